"""Delta rounds shared by every delta function: state tokens, windows and pages.

A round starts without a token (or with a `$deltatoken`) and pages through
the changes after the token's sequence number up to the collection's
high-water mark as it stood when the round began, oldest change first. Mid-round
pages carry a `$skiptoken` (the round's window and the last sequence already
paged out, so writes during the round neither shift nor hide anything: they
come in the next round); the last page carries a `$deltatoken` holding the
window's end. Tokens are opaque to clients: urlsafe base64 JSON signed with
the tenant key. A garbled or foreign token answers Outlook's 400
`SyncStateInvalid`; a token from before `expire_sync_states` answers
`410 SyncStateNotFound`, as Exchange does when its sync-state cache dropped it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request

from sandbox.graph.directory import GraphContext, graph_context
from sandbox.graph.errors import GraphError, bad_request
from sandbox.graph.http import base_url
from sandbox.state import Doc, DocStore

SYNC_STATES = "graph/sync_states"
_EPOCH_ID = "epoch"
_TOKEN_OPTIONS = ("$deltatoken", "$skiptoken")


@dataclass(frozen=True)
class DeltaToken:
    """What a state token remembers.

    `scope` names the tracked collection (e.g. one mail folder); `seq` is the
    sequence after which changes are reported; `extra` holds the query fixed at
    the start of the first round ($select, $filter, page size...). Mid-round
    tokens also carry `upto` (the round's high-water) and `after` (the last
    sequence already paged out).
    """

    scope: str
    seq: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    upto: int | None = None
    after: int | None = None
    epoch: int = 0


def current_epoch(store: DocStore) -> int:
    doc = store.get(SYNC_STATES, _EPOCH_ID)
    return int(doc["epoch"]) if doc else 0


def expire_sync_states(store: DocStore) -> int:
    """Invalidate every outstanding delta and skip token; returns the new epoch."""
    epoch = current_epoch(store) + 1
    store.put(SYNC_STATES, _EPOCH_ID, {"id": _EPOCH_ID, "epoch": epoch})
    return epoch


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(context: GraphContext, payload: str) -> str:
    digest = hmac.new(context.signing_key, payload.encode(), hashlib.sha256).digest()
    return _b64(digest[:18])


def issue_token(context: GraphContext, token: DeltaToken) -> str:
    """The opaque text of `token`, stamped with the current sync-state epoch."""
    body = {"s": token.scope, "q": token.seq, "x": token.extra, "e": current_epoch(context.store)}
    if token.upto is not None:
        body |= {"u": token.upto, "a": token.after if token.after is not None else token.seq}
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_signature(context, payload)}"


def sync_state_invalid() -> GraphError:
    return GraphError(400, "SyncStateInvalid", "The sync state is invalid or corrupted.")


def sync_state_not_found(generation: int, highest: int) -> GraphError:
    message = (
        f"The sync state generation is not found; generation={generation};[highest={highest}]."
    )
    return GraphError(410, "SyncStateNotFound", message)


def read_token(context: GraphContext, raw: str, scope: str) -> DeltaToken:
    """Decode a token a client sent back for `scope`, or the error Graph answers."""
    payload, _, signature = raw.partition(".")
    if not signature or not hmac.compare_digest(signature, _signature(context, payload)):
        raise sync_state_invalid()
    try:
        body = json.loads(_unb64(payload))
        token = DeltaToken(
            scope=str(body["s"]),
            seq=int(body["q"]),
            extra=dict(body["x"]),
            upto=int(body["u"]) if "u" in body else None,
            after=int(body["a"]) if "a" in body else None,
            epoch=int(body["e"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise sync_state_invalid() from exc
    if token.scope != scope:
        raise sync_state_invalid()
    epoch = current_epoch(context.store)
    if token.epoch != epoch:
        raise sync_state_not_found(token.epoch, epoch)
    return token


def round_token(context: GraphContext, request: Request, scope: str) -> DeltaToken | None:
    """The token a delta request carries ($skiptoken or $deltatoken), None when it starts fresh.

    With a token, the query the first request fixed applies; other options are ignored.
    """
    params = request.query_params
    sent = [name for name in _TOKEN_OPTIONS if name in params]
    if len(sent) > 1:
        raise bad_request("Only one of $deltatoken and $skiptoken may be given.")
    return read_token(context, params[sent[0]], scope) if sent else None


def reject_options(request: Request, allowed: frozenset[str], resource: str) -> None:
    """Outlook's 400 for query options a delta function does not support."""
    refused = [
        name
        for name in request.query_params
        if name.startswith("$") and name not in allowed and name not in _TOKEN_OPTIONS
    ]
    if refused:
        message = (
            "The following parameters are not supported with change tracking over the "
            f"'{resource}' resource: '{', '.join(refused)}'."
        )
        raise GraphError(400, "ErrorInvalidUrlQuery", message)


def preferred_page_size(request: Request) -> int | None:
    """The `Prefer: odata.maxpagesize=N` of this request, if any."""
    for preference in request.headers.get("prefer", "").split(","):
        name, _, value = preference.strip().partition("=")
        if name.strip().lower() == "odata.maxpagesize" and value.strip().isdigit():
            return max(1, int(value.strip()))
    return None


@dataclass(frozen=True)
class DeltaPage:
    """One response of a round: its JSON body and the headers to send with it."""

    body: dict[str, Any]
    headers: dict[str, str]


def delta_page(
    request: Request,
    token: DeltaToken,
    changes: tuple[list[Doc], list[Doc]],
    *,
    high_water: int,
    shape: Callable[[Doc], dict[str, Any]],
    removed_shape: Callable[[Doc], dict[str, Any]],
    page_size: int,
    context_fragment: str,
) -> DeltaPage:
    """One page of a round: live changes and removals in sequence order, then the link.

    `changes` are (live documents, tombstones) already narrowed to the scope
    (and, for live ones, the round's filter), as `changes.changed_since`
    returns them for `token.seq`; a first round (seq 0) reports no removals.
    """
    upto = token.upto if token.upto is not None else high_water
    after = token.after if token.after is not None else token.seq
    live, gone = changes
    entries = [(int(doc["_seq"]), False, doc) for doc in live]
    if token.seq > 0:
        entries += [(int(stone["_seq"]), True, stone) for stone in gone]
    window = sorted((e for e in entries if after < e[0] <= upto), key=lambda e: e[0])
    page = window[:page_size]
    context = graph_context(request)
    body: dict[str, Any] = {
        "@odata.context": f"{base_url(request)}/v1.0/$metadata#{context_fragment}"
    }
    body["value"] = [removed_shape(doc) if removed else shape(doc) for _, removed, doc in page]
    if len(window) > page_size:
        mid = replace(token, upto=upto, after=page[-1][0])
        body["@odata.nextLink"] = _link(request, "$skiptoken", issue_token(context, mid))
    else:
        done = DeltaToken(token.scope, seq=upto, extra=token.extra)
        body["@odata.deltaLink"] = _link(request, "$deltatoken", issue_token(context, done))
    headers = {}
    if preferred_page_size(request) is not None:
        headers["Preference-Applied"] = f"odata.maxpagesize={page_size}"
    return DeltaPage(body, headers)


def removed_entry(odata_type: str, reason: str = "deleted") -> Callable[[Doc], dict[str, Any]]:
    """Shapes a tombstone as Graph reports it: type, id and `@removed`."""

    def shape(stone: Doc) -> dict[str, Any]:
        return {
            "@odata.type": f"#microsoft.graph.{odata_type}",
            "id": stone["id"],
            "@removed": {"reason": reason},
        }

    return shape


def _link(request: Request, option: str, token: str) -> str:
    path = quote(request.url.path, safe="/:@()'$=,!")
    return f"{base_url(request)}{path}?{urlencode([(option, token)], safe='$')}"
