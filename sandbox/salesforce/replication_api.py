"""Data replication: `GET sobjects/{X}/updated/?start=&end=` (getUpdated) and
`.../deleted/?start=&end=` (getDeleted).

As on Salesforce: both instants are UTC ISO 8601 (any offset, seconds dropped:
the span is in whole minutes), `start` must come before `end`, getUpdated
reaches back 30 days and getDeleted 15, and an `end` in the future is covered
only up to now (`latestDateCovered`, the next call's `start`). A record is
updated when its SystemModstamp falls in the span, deleted when it is flagged
IsDeleted and its deletion stamp falls in it.
Answers: `{"ids", "latestDateCovered"}` and `{"deletedRecords": [{"id",
"deletedDate"}], "earliestDateAvailable", "latestDateCovered"}`; bad spans
answer 400 INVALID_REPLICATION_DATE, missing or unreadable instants 400
MALFORMED_QUERY, more than 600,000 ids 400 EXCEEDED_ID_LIMIT.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from starlette.responses import JSONResponse, Response

from sandbox.salesforce.api_context import ApiCall
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.sobject_api import sobject_of
from sandbox.salesforce.soql_dates import format_instant, parse_instant
from sandbox.state import Doc, DocStore

UPDATED_DAYS = 30
DELETED_DAYS = 15
#: ids one call may return, as on Salesforce
MAX_IDS = 600_000


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _instant(call: ApiCall, name: str) -> datetime:
    """The `start` or `end` parameter, truncated to the minute, else MALFORMED_QUERY."""
    raw = call.request.query_params.get(name)
    if not raw:
        raise ApiError(400, "MALFORMED_QUERY", f"Missing required parameter: {name}")
    try:
        # an unescaped "+" of the offset arrives as a space
        return _minute(parse_instant(raw.strip().replace(" ", "+")))
    except ValueError:
        raise ApiError(
            400,
            "MALFORMED_QUERY",
            f"{name}: Unable to parse date time value '{raw}'; use ISO 8601, "
            "e.g. 2026-01-05T00:00:00+00:00",
        ) from None


class ReplicationResource:
    """Handlers for the getUpdated and getDeleted resources of one org."""

    def __init__(self, store: DocStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def _span(self, call: ApiCall, days: int) -> tuple[datetime, datetime, datetime]:
        """(start, end covered, earliest start allowed) of a valid request."""
        start, end = _instant(call, "start"), _instant(call, "end")
        now = self._clock()
        earliest = now - timedelta(days=days)
        if start >= end:
            raise ApiError(
                400,
                "INVALID_REPLICATION_DATE",
                "startDate must chronologically precede endDate by more than one minute",
            )
        if start < earliest:
            raise ApiError(
                400,
                "INVALID_REPLICATION_DATE",
                f"startDate cannot be more than {days} days ago",
            )
        return start, min(end, now), earliest

    def _stamped_between(
        self, sobject: str, start: datetime, end: datetime, deleted: bool
    ) -> list[Doc]:
        found = [
            record
            for record in self._store.iter(sobject)
            if bool(record.get("IsDeleted")) == deleted
            and start <= parse_instant(str(record["SystemModstamp"])) < end
        ]
        if len(found) > MAX_IDS:
            raise ApiError(
                400,
                "EXCEEDED_ID_LIMIT",
                f"More than {MAX_IDS} ids fall in the span; choose start and end dates "
                "that are closer together",
            )
        return sorted(found, key=lambda record: str(record["SystemModstamp"]))

    async def updated(self, call: ApiCall) -> Response:
        sobject = sobject_of(call)
        start, covered, _ = self._span(call, UPDATED_DAYS)
        records = self._stamped_between(sobject, start, covered, deleted=False)
        return JSONResponse(
            {
                "ids": [record["Id"] for record in records],
                "latestDateCovered": format_instant(covered),
            }
        )

    async def deleted(self, call: ApiCall) -> Response:
        sobject = sobject_of(call)
        start, covered, earliest = self._span(call, DELETED_DAYS)
        records = self._stamped_between(sobject, start, covered, deleted=True)
        return JSONResponse(
            {
                "deletedRecords": [
                    {"id": record["Id"], "deletedDate": record["SystemModstamp"]}
                    for record in records
                ],
                "earliestDateAvailable": format_instant(earliest),
                "latestDateCovered": format_instant(covered),
            }
        )
