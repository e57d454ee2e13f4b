"""A mailbox's settings: `GET`/`PATCH /users/{u}/mailboxSettings` and
`GET .../mailboxSettings/{property}` (timeZone, workingHours, language...).

Every mailbox starts with Exchange's defaults (UTC, en-US, Monday to Friday
08:00-17:00, automatic replies off). A PATCH merges the properties it names
(nested objects replace, as Graph does); read-only or unknown properties
answer 400, an unknown time zone too.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.directory import graph_context, mailbox_owner, mailbox_settings_of
from sandbox.graph.errors import GraphError, unknown_body_property
from sandbox.graph.http import context_url, graph_json, read_json, segment
from sandbox.graph.timezones import zone_named
from sandbox.state import Doc

_NO_TIME = {"dateTime": "0001-01-01T00:00:00.0000000", "timeZone": "UTC"}
_WRITABLE = frozenset(
    {"automaticRepliesSetting", "timeZone", "language", "workingHours", "dateFormat"}
    | {"timeFormat", "delegateMeetingMessageDeliveryOptions"}
)


def _defaults() -> Doc:
    return {
        "archiveFolder": "",
        "timeZone": "UTC",
        "automaticRepliesSetting": {
            "status": "disabled",
            "externalAudience": "all",
            "internalReplyMessage": "",
            "externalReplyMessage": "",
            "scheduledStartDateTime": _NO_TIME,
            "scheduledEndDateTime": _NO_TIME,
        },
        "language": {"locale": "en-US", "displayName": "English (United States)"},
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": "UTC"},
        },
        "dateFormat": "M/d/yyyy",
        "timeFormat": "h:mm tt",
        "userPurpose": "user",
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
    }


def _stored(request: Request) -> tuple[str, Doc]:
    owner = mailbox_owner(request)
    stored = graph_context(request).store.get(mailbox_settings_of(owner["id"]), "settings")
    return owner["id"], stored or _defaults()


def _context(request: Request, suffix: str = "") -> dict[str, str]:
    user = segment(request.path_params["user"])
    return {"@odata.context": context_url(request, f"users('{user}')/mailboxSettings{suffix}")}


async def get_settings(request: Request) -> Response:
    _, settings = _stored(request)
    return graph_json(_context(request) | settings)


async def get_setting(request: Request) -> Response:
    _, settings = _stored(request)
    name = request.path_params["setting"]
    if name not in settings:
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{name}'.")
    value: Any = settings[name]
    body = value if isinstance(value, dict) else {"value": value}
    return graph_json(_context(request, f"/{name}") | body)


async def update_settings(request: Request) -> Response:
    owner_id, settings = _stored(request)
    changes = await read_json(request)
    for name in changes:
        if not name.startswith("@") and name not in _WRITABLE:
            raise unknown_body_property(name, "mailboxSettings")
    zone = changes.get("timeZone")
    if zone is not None and (not isinstance(zone, str) or zone_named(zone) is None):
        raise GraphError(400, "ErrorInvalidTimeZone", f"The time zone '{zone}' is not valid.")
    updated = settings | {k: v for k, v in changes.items() if not k.startswith("@")}
    graph_context(request).store.put(mailbox_settings_of(owner_id), "settings", updated)
    return graph_json(_context(request) | {k: updated[k] for k in changes if k in updated})


def mailbox_settings_routes() -> list[Route]:
    path = "/v1.0/users/{user}/mailboxSettings"
    return [
        Route(path, get_settings, methods=["GET"]),
        Route(path, update_settings, methods=["PATCH"]),
        Route(path + "/{setting}", get_setting, methods=["GET"]),
    ]
