"""Other spellings Graph accepts for paths the stand-in serves, rewritten to the served one.

Before routing, a request path in one of these forms is rewritten to the form
the routes know, so every route, fault and limit sees one spelling:

- a delta function called OData-style: `.../delta()` and
  `.../microsoft.graph.delta()` -> `.../delta`;
- a drive path under an item: `.../items/root:/a/b.txt:/content` and
  `.../items/{item-id}:/sub/b.txt:` (with or without the closing colon, then
  `/content`, `/createUploadSession`, `/workbook/...`) -> `.../root:/{path of
  the item}/sub/b.txt:...`. An item id the drive does not hold is left as it
  is, so it answers Graph's itemNotFound.

Paths arrive percent-decoded; the rewritten `raw_path` is encoded again.

A `/$count` segment on a collection is not served (nor is `$count=true`): it
answers Graph's 400 saying so, rather than reading `$count` as an item id.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.graph.directory import DRIVES, find_user
from sandbox.graph.drive_items import ancestry, drive_id_of, find_item
from sandbox.graph.errors import bad_request
from sandbox.state import Doc, DocStore

_DELTA_CALL = re.compile(r"/(?:microsoft\.graph\.)?delta\(\)$", re.IGNORECASE)
_ITEM_PATH = re.compile(
    r"^(?P<drive>/v1\.0/(?:users/(?P<user>[^/]+)/drive|users/[^/]+/drives/(?P<owned>[^/]+)"
    r"|drives/(?P<drive_id>[^/]+)))/items/(?P<item>[^/:]+):(?P<rest>/.+)$"
)


class PathFormsMiddleware:
    """Rewrites the alternative path spellings above before the router sees them."""

    def __init__(self, app: ASGIApp, store: DocStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1.0/"):
            rewritten = canonical_path(self.store, scope["path"])
            if rewritten != scope["path"]:
                scope = dict(scope)
                scope["path"] = rewritten
                scope["raw_path"] = quote(rewritten, safe="/:@()'$=,!~*+;&").encode("latin-1")
        await self.app(scope, receive, send)


def canonical_path(store: DocStore, path: str) -> str:
    """`path` in the spelling the routes serve (unchanged when it already is, or is unknown)."""
    path = _DELTA_CALL.sub("/delta", path)
    match = _ITEM_PATH.match(path)
    if match is None:
        return path
    item_path = _item_path(store, match)
    if item_path is None:
        return path
    return f"{match['drive']}/root:{item_path}{match['rest']}"


def _item_path(store: DocStore, match: re.Match[str]) -> str | None:
    """The drive path of the item the URL names ("" for the root), None if there is none."""
    if match["item"].lower() == "root":
        return ""
    drive = _drive(store, match)
    item = find_item(store, drive, match["item"]) if drive else None
    if drive is None or item is None or "folder" not in item:
        return None
    if "root" in item:
        return ""
    names = [folder["name"] for folder in ancestry(store, drive, item)] + [item["name"]]
    return "/" + "/".join(names)


def _drive(store: DocStore, match: re.Match[str]) -> Doc | None:
    drive_id = match["owned"] or match["drive_id"]
    if match["user"]:
        owner = find_user(store, match["user"])
        drive_id = drive_id_of(owner["id"]) if owner else None
    return store.get(DRIVES, drive_id) if drive_id else None


async def _count_segment(request: Request) -> Response:
    raise bad_request("The '$count' segment is not supported.")


def unsupported_segment_routes() -> list[Route]:
    """Go first: segments no route serves that would otherwise be read as ids."""
    return [Route("/v1.0/{rest:path}/$count", _count_segment, methods=["GET"])]
