"""calendarView delta: `GET /users/{u}/calendarView/delta?startDateTime=..&endDateTime=..`.

The first request fixes the window; every nextLink (`$skiptoken`) and
deltaLink (`$deltatoken`) carries it, so later rounds need no window. A round
reports events in the window written since the last round, and as `@removed`
the events deleted, declined, or moved out of the window since then. Outlook
supports no query options here; `Prefer: odata.maxpagesize` sets the page
size and `Prefer: outlook.timezone` the zone of start and end.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sandbox.graph.calendar_model import (
    EVENT_PAGING,
    calendar_owner,
    overlaps,
    shape_event,
    window_bound,
)
from sandbox.graph.changes import changed_since, high_water
from sandbox.graph.delta import (
    DeltaToken,
    delta_page,
    preferred_page_size,
    reject_options,
    removed_entry,
    round_token,
)
from sandbox.graph.directory import events_of, graph_context
from sandbox.graph.http import graph_json
from sandbox.graph.odata_eval import as_datetime
from sandbox.graph.timezones import preferred_zone

_DEFAULT_PAGE = 10


def _first_round(request: Request, scope: str) -> DeltaToken:
    reject_options(request, frozenset(), "Events")
    start = window_bound(request, "startDateTime")
    end = window_bound(request, "endDateTime")
    return DeltaToken(scope, extra={"start": start.isoformat(), "end": end.isoformat()})


async def calendar_view_delta(request: Request) -> Response:
    owner = calendar_owner(request)
    context = graph_context(request)
    scope = f"calendarView/{owner['id']}"
    token = round_token(context, request, scope) or _first_round(request, scope)
    start, end = as_datetime(token.extra["start"]), as_datetime(token.extra["end"])
    assert start is not None and end is not None
    collection = events_of(owner["id"])
    live, gone = changed_since(context.store, collection, token.after or token.seq)
    # a view shows occurrences, never the series master they expand from
    live = [event for event in live if event.get("type") != "seriesMaster"]
    inside = [event for event in live if overlaps(event, start, end)]
    # an event written since the last round but now outside the window has left the view
    left = [{"id": e["id"], "_seq": e["_seq"]} for e in live if not overlaps(e, start, end)]
    zone = preferred_zone(request)
    size = min(preferred_page_size(request) or _DEFAULT_PAGE, EVENT_PAGING.max_size)
    page = delta_page(
        request,
        token,
        (inside, sorted(gone + left, key=lambda stone: int(stone["_seq"]))),
        high_water=high_water(context.store, collection),
        shape=lambda doc: {"@odata.type": "#microsoft.graph.event"} | shape_event(doc, None, zone),
        removed_shape=removed_entry("event"),
        page_size=size,
        context_fragment="Collection(event)",
    )
    headers = dict(page.headers)
    if zone is not None:
        applied = [headers.get("Preference-Applied"), f'outlook.timezone="{zone[0]}"']
        headers["Preference-Applied"] = ", ".join(filter(None, applied))
    return graph_json(page.body, headers=headers)
