"""Recurring series in a calendar: a `seriesMaster` and the occurrences it expands to.

Each occurrence is stored as its own event (`type: "occurrence"`,
`seriesMasterId`), like the seeded series, so calendarView and its delta see
them. As in Exchange, the master's start and end are its first occurrence's,
and each occurrence's iCalUId is the master's with the occurrence's date in
it. An occurrence changed on its own becomes an `exception`.
`GET .../events/{master}/instances?startDateTime=..&endDateTime=..` lists the
occurrences and exceptions in a window.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from sandbox.graph.calendar_model import (
    EVENT_PAGING,
    addressed_event,
    overlaps,
    shape_event,
    window_bound,
)
from sandbox.graph.changes import remove
from sandbox.graph.directory import events_of, graph_context, new_item_id, stamp
from sandbox.graph.errors import GraphError
from sandbox.graph.http import context_url, segment
from sandbox.graph.odata import OrderKey
from sandbox.graph.query import page_response, parse_collection_query
from sandbox.graph.recurrence import checked, occurrence_dates
from sandbox.graph.schema import EVENT
from sandbox.graph.timezones import date_time_zone, moment, preferred_zone, zone_named
from sandbox.state import Doc, DocStore

_INSTANCE = slice(32, 40)


def _wall_clock(value: dict[str, str]) -> tuple[datetime, str]:
    """A dateTimeTimeZone as a naive wall-clock time and its zone name."""
    at = moment(value)
    zone_name = str(value.get("timeZone") or "UTC")
    zone = zone_named(zone_name)
    assert at is not None and zone is not None
    return at.astimezone(zone).replace(tzinfo=None), zone_name


def _span(doc: Doc, day: date) -> tuple[dict[str, str], dict[str, str]]:
    """Start and end of the occurrence on `day`: the master's wall-clock start time in
    its start zone, its duration, each written in the master's own zone names."""
    wall, start_zone = _wall_clock(doc["start"])
    end_zone = str(doc["end"].get("timeZone") or start_zone)
    start = datetime.combine(day, wall.time(), tzinfo=zone_named(start_zone) or UTC)
    return date_time_zone(start, start_zone), date_time_zone(start + _duration(doc), end_zone)


def instance_uid(master_uid: str, day: date) -> str:
    """An occurrence's iCalUId: the master's, with the occurrence date in it."""
    stamp_hex = f"{day.year:04X}{day.month:02X}{day.day:02X}"
    return master_uid[: _INSTANCE.start] + stamp_hex + master_uid[_INSTANCE.stop :]


def prepare_master(doc: Doc) -> list[date]:
    """Check the master's recurrence, move its start and end to the first occurrence,
    and return the occurrence dates (in place)."""
    wall, _ = _wall_clock(doc["start"])
    doc["recurrence"] = checked(doc["recurrence"], wall.date())
    dates = occurrence_dates(doc["recurrence"])
    if not dates:
        raise GraphError(400, "ErrorInvalidRequest", "The recurrence has no occurrences.")
    doc["type"] = "seriesMaster"
    doc["start"], doc["end"] = _span(doc, dates[0])
    return dates


def _duration(doc: Doc) -> timedelta:
    start, end = moment(doc.get("start")), moment(doc.get("end"))
    assert start is not None and end is not None
    return end - start


def expand(store: DocStore, owner_id: str, master: Doc, dates: list[date]) -> list[Doc]:
    """Store one occurrence per date, shaped like the master."""
    occurrences = []
    for day in dates:
        start, end = _span(master, day)
        occurrence = {k: v for k, v in master.items() if not k.startswith("_")} | {
            "id": new_item_id(owner_id, "event"),
            "type": "occurrence",
            "seriesMasterId": master["id"],
            "recurrence": None,
            "iCalUId": instance_uid(master["iCalUId"], day),
            "start": start,
            "end": end,
        }
        store.put(events_of(owner_id), occurrence["id"], stamp(occurrence))
        occurrences.append(occurrence)
    return occurrences


def instances(store: DocStore, owner_id: str, master_id: str) -> list[Doc]:
    """The occurrences and exceptions of a series, earliest first."""
    found = [e for e in store.all(events_of(owner_id)) if e.get("seriesMasterId") == master_id]
    return sorted(found, key=lambda event: moment(event.get("start")) or datetime.min)


def drop_instances(store: DocStore, owner_id: str, master_id: str) -> list[Doc]:
    """Delete a series' occurrences (leaving delta tombstones); the ones deleted."""
    dropped = instances(store, owner_id, master_id)
    for occurrence in dropped:
        remove(store, events_of(owner_id), occurrence["id"])
    return dropped


async def list_instances(request: Request) -> Response:
    owner, master = addressed_event(request)
    start, end = window_bound(request, "startDateTime"), window_bound(request, "endDateTime")
    query = parse_collection_query(request, EVENT, EVENT_PAGING)
    store = graph_context(request).store
    found = [e for e in instances(store, owner["id"], master["id"]) if overlaps(e, start, end)]
    zone = preferred_zone(request)
    user = segment(request.path_params["user"])
    context = context_url(request, f"users('{user}')/events('{master['id']}')/instances")
    earliest_first = [OrderKey(("start", "dateTime"), False)]
    return page_response(
        request,
        query.apply(found, earliest_first),
        query,
        EVENT_PAGING,
        context,
        lambda event: shape_event(event, query.select, zone),
    )
