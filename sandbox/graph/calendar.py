"""Calendar reads and routes: the default calendar, its events, and calendarView windows.

`calendarView` needs `startDateTime` and `endDateTime` and returns the events
overlapping that window, earliest first: single instances, occurrences and
exceptions, never series masters (series.py stores a series' occurrences).
Start and end come back in UTC, or in the zone of `Prefer: outlook.timezone`
(Windows or IANA name), which the response confirms with `Preference-Applied`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.calendar_delta import calendar_view_delta
from sandbox.graph.calendar_model import (
    EVENT_PAGING,
    addressed_event,
    calendar_owner,
    calendar_resource,
    overlaps,
    shape_event,
    window_bound,
)
from sandbox.graph.directory import events_of, graph_context, mailbox_owner
from sandbox.graph.events import event_write_routes
from sandbox.graph.expand import entity_expansions, with_expansions
from sandbox.graph.http import context_url, graph_json, segment
from sandbox.graph.odata import OrderKey
from sandbox.graph.query import (
    CollectionQuery,
    page_response,
    parse_collection_query,
    parse_entity_options,
    select_suffix,
)
from sandbox.graph.schema import EVENT
from sandbox.graph.series import list_instances
from sandbox.graph.timezones import preferred_zone
from sandbox.state import Doc

EARLIEST_FIRST = [OrderKey(("start", "dateTime"), False)]
_IN_VIEW_ONLY = frozenset({"occurrence", "exception"})


async def list_events(request: Request) -> Response:
    owner = calendar_owner(request)
    query = parse_collection_query(request, EVENT, EVENT_PAGING)
    # /events lists one-off meetings and series masters; occurrences only appear in calendarView
    stored = graph_context(request).store.all(events_of(owner["id"]))
    events = query.apply([event for event in stored if event.get("type") not in _IN_VIEW_ONLY])
    return _page(request, events, query, "events")


async def calendar_view(request: Request) -> Response:
    owner = calendar_owner(request)
    window_start = window_bound(request, "startDateTime")
    window_end = window_bound(request, "endDateTime")
    query = parse_collection_query(request, EVENT, EVENT_PAGING)
    overlapping = [
        event
        for event in graph_context(request).store.all(events_of(owner["id"]))
        if event.get("type") != "seriesMaster" and overlaps(event, window_start, window_end)
    ]
    return _page(request, query.apply(overlapping, EARLIEST_FIRST), query, "calendarView")


def _page(request: Request, events: list[Doc], query: CollectionQuery, navigation: str) -> Response:
    zone = preferred_zone(request)
    user = segment(request.path_params["user"])
    context = context_url(request, f"users('{user}')/{navigation}{select_suffix(query.select)}")
    response = page_response(
        request, events, query, EVENT_PAGING, context, lambda e: shape_event(e, query.select, zone)
    )
    if zone is not None:
        applied = [response.headers.get("Preference-Applied"), f'outlook.timezone="{zone[0]}"']
        response.headers["Preference-Applied"] = ", ".join(filter(None, applied))
    return response


async def get_event(request: Request) -> Response:
    _, event = addressed_event(request)
    select, _ = parse_entity_options(request, EVENT)
    zone = preferred_zone(request)
    user = segment(request.path_params["user"])
    body = {"@odata.context": context_url(request, f"users('{user}')/events/$entity")}
    shaped = with_expansions(
        shape_event(event, select, zone), event, entity_expansions(request, EVENT)
    )
    headers = {"Preference-Applied": f'outlook.timezone="{zone[0]}"'} if zone else {}
    return graph_json(body | shaped, headers=headers)


async def get_calendar(request: Request) -> Response:
    owner = calendar_owner(request)
    user = segment(request.path_params["user"])
    body = {"@odata.context": context_url(request, f"users('{user}')/calendars/$entity")}
    return graph_json(body | calendar_resource(owner))


async def list_calendars(request: Request) -> Response:
    owner = mailbox_owner(request)
    user = segment(request.path_params["user"])
    context = context_url(request, f"users('{user}')/calendars")
    return graph_json({"@odata.context": context, "value": [calendar_resource(owner)]})


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
            Route(f"{prefix}/calendarView/delta", calendar_view_delta, methods=["GET"]),
            Route(f"{prefix}/calendarView", calendar_view, methods=["GET"]),
            Route(f"{prefix}/events", list_events, methods=["GET"]),
            Route(f"{prefix}/events/{{event}}", get_event, methods=["GET"]),
            Route(f"{prefix}/events/{{event}}/instances", list_instances, methods=["GET"]),
            *event_write_routes(f"{prefix}/events"),
        ]
    return routes
