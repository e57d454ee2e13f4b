"""OneDrive: put a file at a path in a user's drive, small or large, exactly once.

Up to 4 MB a file goes in one `PUT ...:/content`; above, through an upload
session in ranges that are multiples of 320 KiB. A range cut off (connection
error, 5xx, throttling) resumes from the session's `nextExpectedRanges`; a
session that cannot be finished is cancelled. Either way the drive ends with
one file at the path (missing folders on the path are created by Graph).
Which failures resume and which end the upload is the error policy's
decision (connectors/m365/policy.py, where `upload range`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote

import requests

from connectors.errors import RetriableError
from connectors.m365.client import GraphClient, Json
from connectors.m365.policy import ATTEMPTS, REPEATS, Where, decide
from connectors.m365.retry import Call, execute, failure_of

SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024
FRAGMENT_QUANTUM = 327_680
#: 10 × 320 KiB = 3.125 MiB a request (Graph takes at most 60 MiB).
DEFAULT_CHUNK = 10 * FRAGMENT_QUANTUM
CONFLICT_BEHAVIOURS = ("fail", "replace", "rename")


@dataclass(frozen=True)
class DriveFile:
    """Where an uploaded file now lives."""

    item_id: str
    path: str
    web_url: str
    size: int


def upload_file(
    client: GraphClient,
    user: str,
    folder: str,
    name: str,
    content: bytes,
    *,
    conflict: str = "replace",
    chunk_size: int = DEFAULT_CHUNK,
) -> DriveFile:
    """Upload `content` as `folder/name` in `user`'s OneDrive (`conflict`: fail|replace|rename)."""
    if conflict not in CONFLICT_BEHAVIOURS:
        raise ValueError(f"conflict must be one of {CONFLICT_BEHAVIOURS}, not {conflict!r}")
    if chunk_size <= 0 or chunk_size % FRAGMENT_QUANTUM:
        raise ValueError(f"chunk_size must be a positive multiple of {FRAGMENT_QUANTUM}")
    path = "/".join([*(part for part in folder.split("/") if part), name])
    item_url = f"{client.user_path(user)}/drive/root:/{quote(path)}:"
    if len(content) <= SIMPLE_UPLOAD_LIMIT:
        url = f"{item_url}/content"
        response = client.guard(
            lambda: client.account.con.put(
                url,
                data=content,
                params={"@microsoft.graph.conflictBehavior": conflict},
                headers={"Content-type": "application/octet-stream"},
            ),
            # A PUT that renames is not idempotent: a repeat after a lost answer makes "x 1".
            method="POST" if conflict == "rename" else "PUT",
            what=f"PUT {url}",
        )
        item = response.json()
    else:
        item = _upload_in_session(client, item_url, content, conflict, chunk_size)
    folder_path = "/".join(part for part in folder.split("/") if part)
    stored = f"{folder_path}/{item['name']}" if folder_path else str(item["name"])
    return DriveFile(str(item["id"]), stored, str(item.get("webUrl", "")), int(item["size"]))


def _upload_in_session(
    client: GraphClient, item_url: str, content: bytes, conflict: str, chunk_size: int
) -> Json:
    body = {"item": {"@microsoft.graph.conflictBehavior": conflict}}
    # A second session made by a repeat is never used and expires on its own.
    session = client.request(
        "POST", f"{item_url}/createUploadSession", idempotent=True, data=body
    ).json()
    upload_url = str(session["uploadUrl"])
    try:
        return _send_ranges(
            client, upload_url, item_url, content, chunk_size, rename=conflict == "rename"
        )
    except BaseException:
        _cancel(client, upload_url)
        raise


def _send_ranges(
    client: GraphClient,
    upload_url: str,
    item_url: str,
    content: bytes,
    chunk_size: int,
    *,
    rename: bool,
) -> Json:
    """PUT the ranges in order; after a failed range, ask the session where to go on."""
    offset, repeats = 0, 0
    call = Call(f"PUT range of {_where(upload_url)}", "PUT", Where.UPLOAD)
    while True:
        chunk = content[offset : offset + chunk_size]
        try:
            response = _put_range(client, upload_url, offset, chunk, len(content))
        except requests.RequestException as exc:
            decision = decide(failure_of(exc, call), repeats)
            if decision.action not in REPEATS or repeats >= ATTEMPTS:
                raise decision.exception() from None
            time.sleep(decision.wait)
            repeats += 1
            next_offset = _next_expected(client, upload_url)
            if next_offset is None:  # the last range landed and committed the file
                if rename:
                    raise RetriableError(
                        f"OneDrive upload to {item_url} committed but its answer was lost; "
                        "with conflict 'rename' the file's final name is unknown"
                    ) from None
                return client.get(item_url)
            offset = next_offset
            continue
        if response.status_code in (200, 201):
            result: Json = response.json()
            return result
        offset = _range_start(response.json()["nextExpectedRanges"])


def _put_range(
    client: GraphClient, upload_url: str, first: int, chunk: bytes, total: int
) -> requests.Response:
    """One range, without the bearer token (the upload URL is pre-authenticated)."""
    headers = {
        "Content-Length": str(len(chunk)),
        "Content-Range": f"bytes {first}-{first + len(chunk) - 1}/{total}",
        "Content-type": "application/octet-stream",
    }
    client.count_call()
    response: requests.Response = client.account.con.naive_request(
        upload_url, "PUT", data=chunk, headers=headers
    )
    return response


def _next_expected(client: GraphClient, upload_url: str) -> int | None:
    """The offset the session expects next; None once the session is gone (committed)."""

    def ask() -> int | None:
        client.count_call()
        try:
            status = client.account.con.naive_request(upload_url, "GET").json()
        except requests.HTTPError as exc:
            if exc.response is not None and exc.response.status_code == 404:
                return None
            raise
        return _range_start(status["nextExpectedRanges"])

    return execute(ask, Call(f"GET status of {_where(upload_url)}", "GET", Where.UPLOAD))


def _where(upload_url: str) -> str:
    """The upload session's URL without its query (which holds the session's credential)."""
    return "upload session " + upload_url.split("?")[0]


def _range_start(ranges: list[str]) -> int:
    return min(int(str(item).split("-")[0]) for item in ranges)


def _cancel(client: GraphClient, upload_url: str) -> None:
    """Best effort: delete the session's temporary bytes."""
    try:
        client.count_call()
        client.account.con.naive_request(upload_url, "DELETE")
    except requests.RequestException:
        pass
