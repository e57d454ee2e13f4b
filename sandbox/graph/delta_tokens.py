"""Delta state tokens: opaque, signed, and dropped all at once by `expire_sync_states`.

Tokens are urlsafe base64 JSON signed with the tenant key. A garbled or
foreign token answers Outlook's 400 `SyncStateInvalid`; a token from before
`expire_sync_states` answers `410 SyncStateNotFound`, as Exchange does when
its sync-state cache dropped it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from sandbox.graph.directory import GraphContext
from sandbox.graph.errors import GraphError
from sandbox.state import DocStore

SYNC_STATES = "graph/sync_states"
_EPOCH_ID = "epoch"


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
