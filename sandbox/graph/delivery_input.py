"""Reading the bodies of the delivery test-control endpoints (sandbox/graph/deliveries.py).

Every problem is a `DeliveryError` naming the field, which the endpoints answer
as 400 (or 404 for a mailbox the tenant does not have) `{"error": "..."}`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request

from sandbox.graph.directory import find_user, find_user_by_address
from sandbox.graph.timezones import zone_named
from sandbox.state import Doc, DocStore


class DeliveryError(Exception):
    """A delivery request the stand-in refuses; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def read_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object."""
    try:
        body = json.loads(await request.body())
    except ValueError as problem:
        raise DeliveryError(f"body is not valid JSON: {problem}") from problem
    if not isinstance(body, dict):
        raise DeliveryError("body must be a JSON object")
    return body


def recipient_mailbox(store: DocStore, body: dict[str, Any]) -> Doc:
    """The tenant user `to` names (address, UPN or id); 404 when there is none."""
    to = body.get("to")
    if not isinstance(to, str) or not to.strip():
        raise DeliveryError("'to' is required: the address of a mailbox in the tenant")
    user = find_user_by_address(store, to) or find_user(store, to.strip())
    if user is None:
        raise DeliveryError(f"'to': no mailbox '{to}' in the tenant", status=404)
    return user


def recipient(value: Any, field: str) -> dict[str, Any]:
    """A Graph `recipient` from an address string, `{"address", "name"}` or a recipient."""
    if isinstance(value, dict) and isinstance(value.get("emailAddress"), dict):
        value = value["emailAddress"]
    if isinstance(value, str):
        value = {"address": value}
    address = value.get("address") if isinstance(value, dict) else None
    if not isinstance(address, str) or "@" not in address.strip("@"):
        raise DeliveryError(f'\'{field}\' must be an email address or {{"address", "name"}}')
    name = value.get("name") or address
    if not isinstance(name, str):
        raise DeliveryError(f"'{field}.name' must be a string")
    return {"emailAddress": {"name": name, "address": address.strip()}}


def recipients(body: dict[str, Any], field: str) -> list[dict[str, Any]]:
    """The optional list `field` as Graph recipients."""
    given = body.get(field) or []
    if not isinstance(given, list):
        raise DeliveryError(f"'{field}' must be a list of addresses")
    return [recipient(item, f"{field}[{n}]") for n, item in enumerate(given)]


def text(body: dict[str, Any], field: str, default: str = "") -> str:
    """The optional string `field`."""
    value = body.get(field, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise DeliveryError(f"'{field}' must be a string")
    return value


def optional_text(body: dict[str, Any], field: str) -> str | None:
    value = text(body, field)
    return value or None


def content_type(body: dict[str, Any]) -> str:
    kind = text(body, "contentType", "text").lower()
    if kind not in ("text", "html"):
        raise DeliveryError("'contentType' must be 'text' or 'html'")
    return kind


def instant(body: dict[str, Any], field: str, zone: ZoneInfo | None = None) -> datetime | None:
    """The optional ISO 8601 date-time `field` as an aware datetime (no offset: in `zone`,
    else UTC)."""
    value = body.get(field)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise DeliveryError(f"'{field}' must be an ISO 8601 date-time")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone or UTC)


def time_zone(body: dict[str, Any]) -> tuple[str, ZoneInfo]:
    """The optional `timeZone` (Windows or IANA name), UTC by default."""
    name = text(body, "timeZone", "UTC") or "UTC"
    zone = zone_named(name)
    if zone is None:
        raise DeliveryError(f"'timeZone': unknown time zone '{name}'")
    return name, zone


def message_headers(body: dict[str, Any]) -> list[dict[str, str]]:
    """The optional `headers` as `internetMessageHeaders` (a list or a name -> value object)."""
    given = body.get("headers") or []
    if isinstance(given, dict):
        given = [{"name": name, "value": value} for name, value in given.items()]
    if not isinstance(given, list) or not all(
        isinstance(h, dict) and isinstance(h.get("name"), str) and isinstance(h.get("value"), str)
        for h in given
    ):
        raise DeliveryError('\'headers\' must be a list of {"name", "value"} strings')
    return [{"name": h["name"], "value": h["value"]} for h in given]


def graph_time(at: datetime) -> str:
    """A DateTimeOffset as Graph writes it (UTC, seconds, `Z`)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
