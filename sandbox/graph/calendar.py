"""Calendar reads: the default calendar, its events, and calendarView windows.

Each user has one calendar. `calendarView` needs `startDateTime` and
`endDateTime` and returns the events overlapping that window, earliest first
(single instances only: the seed has no recurring series). A
`Prefer: outlook.timezone` naming UTC or an IANA zone converts start and end;
Windows zone names are not converted (no `Preference-Applied` is sent then).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.directory import email_address, events_of, graph_context, mailbox_owner
from sandbox.graph.errors import GraphError, item_not_found, malformed_id
from sandbox.graph.http import context_url, graph_json, segment
from sandbox.graph.mail_model import looks_like_item_id
from sandbox.graph.odata import OrderKey
from sandbox.graph.odata_eval import as_datetime
from sandbox.graph.query import (
    CollectionQuery,
    Paging,
    page_response,
    parse_collection_query,
    parse_entity_options,
    project,
    select_suffix,
)
from sandbox.graph.schema import EVENT
from sandbox.ids import graph_item_id
from sandbox.state import Doc

EVENT_PAGING = Paging(default_size=10, max_size=1000)
EARLIEST_FIRST = [OrderKey(("start", "dateTime"), False)]
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f0"


def calendar_id(user_id: str) -> str:
    return graph_item_id(user_id, "calendar")


def _calendar(owner: Doc) -> dict[str, Any]:
    return {
        "id": calendar_id(owner["id"]),
        "name": "Calendar",
        "color": "auto",
        "hexColor": "",
        "isDefaultCalendar": True,
        "changeKey": calendar_id(owner["id"])[-16:],
        "canShare": True,
        "canViewPrivateItems": True,
        "canEdit": True,
        "isRemovable": False,
        "isTallyingResponses": True,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
        "owner": email_address(owner),
    }


def _owner_and_calendar(request: Request) -> Doc:
    """The mailbox owner, after checking any `/calendars/{id}` segment names their calendar."""
    owner = mailbox_owner(request)
    wanted = request.path_params.get("calendar")
    if wanted is not None and wanted != calendar_id(owner["id"]):
        raise item_not_found() if looks_like_item_id(wanted) else malformed_id()
    return owner


def _moment(value: dict[str, Any] | None) -> datetime | None:
    """A dateTimeTimeZone as an aware datetime (zones other than IANA/UTC read as UTC)."""
    if not value:
        return None
    moment = as_datetime(value.get("dateTime"))
    if moment is None:
        return None
    zone = _zone(str(value.get("timeZone") or "UTC"))
    return moment.replace(tzinfo=zone) if zone is not None else moment


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo("UTC" if name.upper() == "UTC" else name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _preferred_zone(request: Request) -> tuple[str, ZoneInfo] | None:
    for preference in request.headers.get("prefer", "").split(","):
        name, _, value = preference.strip().partition("=")
        if name.strip().lower() == "outlook.timezone":
            zone_name = value.strip().strip('"')
            zone = _zone(zone_name)
            return (zone_name, zone) if zone is not None else None
    return None


def _shape(doc: Doc, select: list[str] | None, zone: tuple[str, ZoneInfo] | None) -> dict[str, Any]:
    event: dict[str, Any] = {"@odata.etag": f'W/"{doc.get("changeKey", "")}"'} | doc
    if zone is not None:
        for name in ("start", "end"):
            moment = _moment(doc.get(name))
            if moment is not None:
                local = moment.astimezone(zone[1]).strftime(_TIME_FORMAT)
                event[name] = {"dateTime": local, "timeZone": zone[0]}
    return project(event, EVENT, select)


async def list_events(request: Request) -> Response:
    owner = _owner_and_calendar(request)
    query = parse_collection_query(request, EVENT, EVENT_PAGING)
    events = query.apply(graph_context(request).store.all(events_of(owner["id"])))
    return _page(request, events, query, "events")


async def calendar_view(request: Request) -> Response:
    owner = _owner_and_calendar(request)
    window_start = _window_bound(request, "startDateTime")
    window_end = _window_bound(request, "endDateTime")
    query = parse_collection_query(request, EVENT, EVENT_PAGING)
    overlapping = [
        event
        for event in graph_context(request).store.all(events_of(owner["id"]))
        if _overlaps(event, window_start, window_end)
    ]
    return _page(request, query.apply(overlapping, EARLIEST_FIRST), query, "calendarView")


def _window_bound(request: Request, name: str) -> datetime:
    text = request.query_params.get(name)
    if text is None:
        raise GraphError(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
        )
    moment = as_datetime(text)
    if moment is None:
        raise GraphError(
            400, "ErrorInvalidParameter", f"The value '{text}' of parameter '{name}' is invalid."
        )
    return moment


def _overlaps(event: Doc, window_start: datetime, window_end: datetime) -> bool:
    start, end = _moment(event.get("start")), _moment(event.get("end"))
    return start is not None and end is not None and start < window_end and end > window_start


def _page(request: Request, events: list[Doc], query: CollectionQuery, navigation: str) -> Response:
    zone = _preferred_zone(request)
    user = segment(request.path_params["user"])
    context = context_url(request, f"users('{user}')/{navigation}{select_suffix(query.select)}")
    response = page_response(
        request, events, query, EVENT_PAGING, context, lambda e: _shape(e, query.select, zone)
    )
    if zone is not None:
        response.headers["Preference-Applied"] = f'outlook.timezone="{zone[0]}"'
    return response


async def get_event(request: Request) -> Response:
    owner = _owner_and_calendar(request)
    event_id = request.path_params["event"]
    event = graph_context(request).store.get(events_of(owner["id"]), event_id)
    if event is None:
        raise item_not_found() if looks_like_item_id(event_id) else malformed_id()
    select, _ = parse_entity_options(request, EVENT)
    user = segment(request.path_params["user"])
    body = {"@odata.context": context_url(request, f"users('{user}')/events/$entity")}
    return graph_json(body | _shape(event, select, _preferred_zone(request)))


async def get_calendar(request: Request) -> Response:
    owner = _owner_and_calendar(request)
    user = segment(request.path_params["user"])
    body = {"@odata.context": context_url(request, f"users('{user}')/calendars/$entity")}
    return graph_json(body | _calendar(owner))


async def list_calendars(request: Request) -> Response:
    owner = mailbox_owner(request)
    user = segment(request.path_params["user"])
    context = context_url(request, f"users('{user}')/calendars")
    return graph_json({"@odata.context": context, "value": [_calendar(owner)]})


def calendar_routes() -> list[Route]:
    routes = [
        Route("/v1.0/users/{user}/calendar", get_calendar, methods=["GET"]),
        Route("/v1.0/users/{user}/calendars", list_calendars, methods=["GET"]),
        Route("/v1.0/users/{user}/calendars/{calendar}", get_calendar, methods=["GET"]),
    ]
    prefixes = (
        "/v1.0/users/{user}",
        "/v1.0/users/{user}/calendar",
        "/v1.0/users/{user}/calendars/{calendar}",
    )
    for prefix in prefixes:
        routes += [
            Route(f"{prefix}/events", list_events, methods=["GET"]),
            Route(f"{prefix}/events/{{event}}", get_event, methods=["GET"]),
            Route(f"{prefix}/calendarView", calendar_view, methods=["GET"]),
        ]
    return routes
