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

from sandbox.graph.calendar_model import calendar_owner, overlaps, shape_event, window_bound
from sandbox.graph.delta import open_round, page_response, reject_options, round_page
from sandbox.graph.directory import events_of
from sandbox.graph.odata_eval import as_datetime
from sandbox.graph.timezones import preferred_zone


def _first_round(request: Request) -> dict[str, str]:
    reject_options(request, frozenset(), "Events")
    start = window_bound(request, "startDateTime")
    end = window_bound(request, "endDateTime")
    return {"start": start.isoformat(), "end": end.isoformat()}


async def calendar_view_delta(request: Request) -> Response:
    owner = calendar_owner(request)
    scope = f"calendarView/{owner['id']}"
    round_ = open_round(request, scope, events_of(owner["id"]), lambda: _first_round(request))
    extra = round_.token.extra
    start, end = as_datetime(extra["start"]), as_datetime(extra["end"])
    assert start is not None and end is not None
    # a view shows occurrences, never the series master they expand from
    live = [event for event in round_.live if event.get("type") != "seriesMaster"]
    inside = [event for event in live if overlaps(event, start, end)]
    # an event written since the last round, now outside the window, has left the view, if
    # the client can have seen it: it existed at the last round (none can in a first round)
    seen_upto = round_.token.seq
    left = [
        {"id": e["id"], "_seq": e["_seq"]}
        for e in live
        if not overlaps(e, start, end) and 0 < int(e.get("_born", 0)) <= seen_upto
    ]
    zone = preferred_zone(request)
    page = round_page(
        request,
        round_,
        "event",
        lambda doc: shape_event(doc, None, zone),
        changes=(inside, sorted(round_.gone + left, key=lambda stone: int(stone["_seq"]))),
    )
    if zone is not None:
        applied = [page.headers.get("Preference-Applied"), f'outlook.timezone="{zone[0]}"']
        page.headers["Preference-Applied"] = ", ".join(filter(None, applied))
    return page_response(page)
