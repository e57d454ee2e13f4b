"""SLA business-hour invariants of complaints across weekends, holidays and clock changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.account_calendars import AccountCalendars
from transforms.business_hours import BusinessCalendar, sla_state
from transforms.complaints import SlaPolicy, complaints_and_slas

CALENDARS = {
    "001BER": BusinessCalendar("Europe/Berlin", "DE"),
    "001NYC": BusinessCalendar("America/New_York", "US"),
    "001SYD": BusinessCalendar("Australia/Sydney", "AU"),
}
ACCOUNT_CALENDARS = AccountCalendars(calendars=CALENDARS)
PROPERTIES = settings(derandomize=True, deadline=None, max_examples=40)
HOUR = 3600.0
# 2026 spans every DST change of the three zones (March, April, October, November).
moments = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 1), timezones=st.just(dt.UTC)
)
delays = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=12))
complaint = st.tuples(st.sampled_from(sorted(CALENDARS)), moments, delays, delays)
KEY_ACCOUNTS = pd.DataFrame(
    {
        "account_id": sorted(CALENDARS),
        "account_name": sorted(CALENDARS),
        "owner_email": ["kam@contoso.com"] * len(CALENDARS),
    }
)
USERS = pd.DataFrame(columns=["Id", "Name", "Email"])
NO_COMMENTS = pd.DataFrame(columns=["ParentId", "IsPublished", "CreatedDate"])
ACCOUNTS = pd.DataFrame(columns=["Id", "BillingCountry"])
# Large SLAs keep every case open in the window, whatever its age.
POLICY = SlaPolicy(closed_window_days=10_000)


def reference_hours(start: dt.datetime, end: dt.datetime, calendar: BusinessCalendar) -> float:
    """Business hours as a KAM would count them: each working day's 9–17 local, clipped."""
    zone = ZoneInfo(calendar.timezone)
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    seconds = 0.0
    while day <= last:
        if calendar.is_working_day(day):
            opens = dt.datetime.combine(day, calendar.opens, tzinfo=zone)
            closes = dt.datetime.combine(day, calendar.closes, tzinfo=zone)
            seconds += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
        day += dt.timedelta(days=1)
    return seconds / HOUR


def measure(items: list[tuple[str, dt.datetime, dt.timedelta, dt.timedelta]]) -> pd.DataFrame:
    """Complaints of open cases answered by mail `reply` after opening, seen `wait` after."""
    cases = pd.DataFrame(
        {
            "Id": [f"500{index:05d}" for index in range(len(items))],
            "AccountId": [account for account, *_ in items],
            "CaseNumber": [f"{index:08d}" for index in range(len(items))],
            "Subject": "Late delivery",
            "Status": "New",
            "Priority": "High",
            "IsClosed": False,
            "CreatedDate": [created.isoformat() for _, created, _, _ in items],
            "ClosedDate": None,
            "OwnerId": None,
        }
    )
    # Each case gets its own account so one mail answers one case only.
    accounts = [f"{account}-{index}" for index, (account, *_) in enumerate(items)]
    cases["AccountId"] = accounts
    touches = pd.DataFrame(
        {
            "account_id": accounts,
            "occurred_at": [pd.Timestamp(created + reply) for _, created, reply, _ in items],
            "direction": "outbound",
            "client_addresses": [[] for _ in items],
        }
    )
    latest = max(created + reply + wait for _, created, reply, wait in items)
    calendars = AccountCalendars(
        calendars={
            name: CALENDARS[account] for name, (account, *_) in zip(accounts, items, strict=True)
        }
    )
    key_accounts = pd.DataFrame(
        {"account_id": accounts, "account_name": accounts, "owner_email": None}
    )
    complaints, _ = complaints_and_slas(
        cases,
        NO_COMMENTS,
        key_accounts,
        ACCOUNTS,
        USERS,
        touches,
        policy=POLICY,
        calendars=calendars,
        now=latest,
    )
    return complaints.sort_values("case_number").reset_index(drop=True)


@PROPERTIES
@given(st.lists(complaint, min_size=1, max_size=12))
def test_hours_used_are_the_sum_of_open_intervals_and_never_exceed_the_wall_clock(
    items: list[tuple[str, dt.datetime, dt.timedelta, dt.timedelta]],
) -> None:
    complaints = measure(items)
    latest = max(created + reply + wait for _, created, reply, wait in items)
    rows = complaints.to_dict("records")
    for row, (account, created, reply, _) in zip(rows, items, strict=True):
        calendar = CALENDARS[account]
        replied = created + reply
        if reply > dt.timedelta(0):
            assert row["first_response_by"] == "mail"
            expected = reference_hours(created, replied, calendar)
            assert row["first_response_hours_used"] == pytest.approx(expected, abs=1e-6)
            assert row["first_response_hours_used"] <= reply.total_seconds() / HOUR + 1e-9
        open_hours = reference_hours(created, latest, calendar)
        assert row["resolution_hours_used"] == pytest.approx(open_hours, abs=1e-6)
        assert row["resolution_hours_used"] <= (latest - created).total_seconds() / HOUR + 1e-9


@PROPERTIES
@given(st.lists(complaint, min_size=1, max_size=12))
def test_states_follow_the_shared_sla_rule(
    items: list[tuple[str, dt.datetime, dt.timedelta, dt.timedelta]],
) -> None:
    for row in measure(items).to_dict("records"):
        expected = sla_state(
            row["resolution_hours_used"] * HOUR, row["resolution_sla_hours"] * HOUR
        )
        assert row["resolution_state"] == expected
        if row["first_response_by"] is None:
            continue
        within = row["first_response_hours_used"] <= row["first_response_sla_hours"]
        assert row["first_response_state"] == ("met" if within else "breached")


@PROPERTIES
@given(st.sampled_from(sorted(CALENDARS)), moments, delays, delays)
def test_later_answers_never_use_fewer_hours(
    account: str, created: dt.datetime, early: dt.timedelta, extra: dt.timedelta
) -> None:
    sooner, later = measure(
        [(account, created, early, dt.timedelta(0)), (account, created, early + extra, extra)]
    )["first_response_hours_used"]
    assert sooner <= later + 1e-9


CLOSED_PERIODS = [
    # A weekend in Berlin around the spring clock change (Sat 28 – Mon 30 March 2026).
    ("001BER", dt.datetime(2026, 3, 27, 16, 0), dt.datetime(2026, 3, 30, 7, 0)),
    # German Unity Day (Saturday 3 October 2026) and the weekend after it.
    ("001BER", dt.datetime(2026, 10, 2, 15, 0), dt.datetime(2026, 10, 5, 7, 0)),
    # US Thanksgiving Thursday evening of Wednesday to Friday morning (26 November 2026).
    ("001NYC", dt.datetime(2026, 11, 25, 22, 0), dt.datetime(2026, 11, 27, 13, 59)),
    # Night of the US autumn clock change (Sunday 1 November 2026) and the weekend.
    ("001NYC", dt.datetime(2026, 10, 30, 21, 0), dt.datetime(2026, 11, 2, 13, 59)),
    # Sydney Easter, Good Friday to Easter Monday, with the clock change on Sunday 5 April.
    ("001SYD", dt.datetime(2026, 4, 2, 7, 0), dt.datetime(2026, 4, 6, 21, 59)),
]


@pytest.mark.parametrize(("account", "closes", "reopens"), CLOSED_PERIODS)
@settings(derandomize=True, deadline=None, max_examples=12)
@given(first=st.floats(0, 1), second=st.floats(0, 1))
def test_case_opened_and_answered_while_closed_uses_no_hours(
    account: str, closes: dt.datetime, reopens: dt.datetime, first: float, second: float
) -> None:
    span = reopens - closes
    created = closes.replace(tzinfo=dt.UTC) + span * min(first, second)
    reply = span * abs(first - second)
    row = measure([(account, created, reply, dt.timedelta(0))]).iloc[0]
    assert row["first_response_hours_used"] == 0.0
