"""Complaints against their SLAs: what a KAM sees for hand-made cases, mails and comments."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from transforms.account_calendars import account_calendars
from transforms.business_hours import BusinessCalendar
from transforms.complaints import (
    COMPLAINT_COLUMNS,
    ESCALATION_COLUMNS,
    SlaPolicy,
    complaints_and_slas,
)

BERLIN = BusinessCalendar("Europe/Berlin", "DE")
# Monday 30 November 2026; Berlin is UTC+1, so 09:00 local is 08:00 UTC.
MONDAY_OPEN = "2026-11-30T08:00:00.000+0000"
WEDNESDAY_NOON = dt.datetime(2026, 12, 2, 11, tzinfo=dt.UTC)  # 12:00 in Berlin


def case(case_id: str, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "Id": case_id,
        "AccountId": "001A",
        "ContactId": "003A",
        "CaseNumber": f"0000{case_id[-2:]}",
        "Subject": "Late delivery of order 41234",
        "Status": "New",
        "Priority": "High",
        "IsClosed": False,
        "CreatedDate": MONDAY_OPEN,
        "ClosedDate": None,
        "LastModifiedDate": MONDAY_OPEN,
        "OwnerId": "005CASE",
    }
    return values | fields


def touch(at: str, *, to: tuple[str, ...] = ("buyer@acme.example",), **fields: Any) -> dict:
    values = {
        "account_id": "001A",
        "occurred_at": pd.Timestamp(at),
        "direction": "outbound",
        "client_addresses": list(to),
    }
    return values | fields


def comment(parent: str, at: str, published: Any = True) -> dict[str, Any]:
    return {"ParentId": parent, "IsPublished": published, "CreatedDate": at, "CommentBody": "x"}


KEY_ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["001A", "001B"],
        "account_name": ["Acme GmbH", "Beta Inc."],
        "owner_id": ["005KAM", "005KAM"],
        "owner_email": ["ada.kam@contoso.com", "ada.kam@contoso.com"],
    }
)
ACCOUNTS = pd.DataFrame(
    {"Id": ["001A", "001B", "001C"], "BillingCountry": ["germany", "USA", None]}
)
USERS = pd.DataFrame(
    {
        "Id": ["005CASE", "005KAM"],
        "Name": ["Carl Service", "Ada Kam"],
        "Email": ["carl.service@contoso.com", "ada.kam@contoso.com"],
    }
)
CONTACTS = pd.DataFrame({"Id": ["003A"], "Email": ["Buyer@Acme.example"]})
NO_COMMENTS = pd.DataFrame(columns=["ParentId", "IsPublished", "CreatedDate"])
NO_TOUCHES = pd.DataFrame(columns=["account_id", "occurred_at", "direction", "client_addresses"])


def run(
    cases: list[dict[str, Any]],
    touches: list[dict[str, Any]] | None = None,
    comments: list[dict[str, Any]] | None = None,
    *,
    now: dt.datetime = WEDNESDAY_NOON,
    **options: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    options.setdefault("calendars", BERLIN)
    return complaints_and_slas(
        pd.DataFrame(cases),
        pd.DataFrame(comments) if comments else NO_COMMENTS,
        KEY_ACCOUNTS,
        ACCOUNTS,
        USERS,
        pd.DataFrame(touches) if touches else NO_TOUCHES,
        contacts=CONTACTS,
        now=now,
        **options,
    )


def only(frame: pd.DataFrame) -> pd.Series:
    assert len(frame) == 1, frame
    return frame.iloc[0]


def test_late_mail_reply_breaches_and_open_case_is_at_risk() -> None:
    complaints, escalations = run([case("500A01")], [touch("2026-11-30T13:12:00Z")])
    row = only(complaints)
    assert tuple(complaints.columns) == COMPLAINT_COLUMNS
    assert row["first_response_by"] == "mail"
    assert row["first_response_at"] == pd.Timestamp("2026-11-30T13:12:00Z")
    assert row["first_response_hours_used"] == pytest.approx(5.2)
    assert (row["first_response_state"], row["resolution_state"]) == ("breached", "at risk")
    assert row["resolution_hours_used"] == pytest.approx(19.0)
    assert row["state"] == "breached"
    assert row["reason"] == (
        "High priority, first response by mail after 5.2 of 4 business hours (breached); "
        "open 19.0 of 24 business hours (at risk)"
    )
    assert (row["owner_name"], row["account_name"]) == ("Carl Service", "Acme GmbH")
    escalation = only(escalations)
    assert tuple(escalations.columns) == ESCALATION_COLUMNS
    assert escalation["escalate_to"] == ["carl.service@contoso.com", "ada.kam@contoso.com"]
    assert escalation["why"].startswith("breached: case 000001 of Acme GmbH")


def test_public_comment_before_the_mail_is_the_first_response() -> None:
    comments = [
        comment("500A01", "2026-11-30T08:30:00.000+0000", published=False),
        comment("500A01", "2026-11-30T09:00:00.000+0000", published="true"),
    ]
    complaints, escalations = run(
        [case("500A01")],
        [touch("2026-11-30T10:00:00Z")],
        comments,
        now=dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC),
    )
    row = only(complaints)
    assert (row["first_response_by"], row["first_response_hours_used"]) == ("comment", 1.0)
    assert (row["first_response_state"], row["state"]) == ("met", "on track")
    assert escalations.empty


def test_mail_to_the_case_contact_is_preferred_over_mail_to_a_colleague() -> None:
    touches = [
        touch("2026-11-30T09:00:00Z", to=("colleague@acme.example",)),
        touch("2026-11-30T11:00:00Z", to=("colleague@acme.example", "buyer@acme.example")),
    ]
    row = only(run([case("500A01")], touches)[0])
    assert row["first_response_at"] == pd.Timestamp("2026-11-30T11:00:00Z")


def test_without_a_contact_email_any_outbound_mail_to_the_account_counts() -> None:
    touches = [
        touch("2026-11-30T07:00:00Z"),  # before the case opened
        touch("2026-11-30T08:30:00Z", direction="inbound"),
        touch("2026-11-30T09:00:00Z", to=("colleague@acme.example",), account_id="001B"),
        touch("2026-11-30T10:00:00Z", to=("colleague@acme.example",)),
    ]
    row = only(run([case("500A01", ContactId=None)], touches)[0])
    assert row["first_response_at"] == pd.Timestamp("2026-11-30T10:00:00Z")
    assert row["first_response_hours_used"] == pytest.approx(2.0)


def test_waiting_case_counts_hours_until_now() -> None:
    row = only(
        run([case("500A01", Priority="Low")], now=dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC))[0]
    )
    assert row["first_response_at"] is pd.NaT or pd.isna(row["first_response_at"])
    assert row["first_response_by"] is None
    assert row["first_response_hours_used"] == pytest.approx(12.0)
    assert row["first_response_state"] == "on track"
    assert row["reason"].startswith("Low priority, no first response yet after 12.0 of 24 business")


def test_closed_case_within_both_slas_is_met_and_not_escalated() -> None:
    closed = case(
        "500A01", IsClosed=True, Status="Closed", ClosedDate="2026-11-30T15:00:00.000+0000"
    )
    complaints, escalations = run([closed], [touch("2026-11-30T09:00:00Z")])
    row = only(complaints)
    assert (row["state"], row["resolution_hours_used"]) == ("met", 7.0)
    assert "resolved in 7.0 of 24 business hours (met)" in row["reason"]
    assert escalations.empty


def test_closed_breached_case_stays_breached_but_escalates_only_when_asked() -> None:
    closed = case(
        "500A01", IsClosed=True, Status="Closed", ClosedDate="2026-12-02T10:00:00.000+0000"
    )
    complaints, escalations = run([closed])
    row = only(complaints)
    assert row["first_response_state"] == "breached"
    assert "closed with no recorded first response after" in row["reason"]
    assert escalations.empty
    _, escalated = run([closed], policy=SlaPolicy(escalate_closed=True))
    assert only(escalated)["case_id"] == "500A01"


def test_mail_after_closing_is_not_a_first_response() -> None:
    closed = case(
        "500A01", IsClosed=True, Status="Closed", ClosedDate="2026-11-30T10:00:00.000+0000"
    )
    row = only(run([closed], [touch("2026-11-30T11:00:00Z")])[0])
    assert row["first_response_by"] is None
    assert row["first_response_hours_used"] == pytest.approx(2.0)


def test_window_keeps_open_and_recently_closed_cases_of_key_accounts_only() -> None:
    cases = [
        case("500A01"),
        case("500A02", IsClosed=True, ClosedDate="2026-09-01T10:00:00.000+0000"),
        case("500A03", IsClosed=True, ClosedDate="2026-10-01T10:00:00.000+0000"),
        case("500A04", AccountId="001C"),
    ]
    complaints, _ = run(cases, now=dt.datetime(2026, 12, 2, 11, tzinfo=dt.UTC))
    assert complaints["case_id"].tolist() == ["500A01", "500A03"]


def test_messy_cases_are_skipped_and_counted_or_explained() -> None:
    cases = [
        case("500A01", CreatedDate=None),
        case("500A02", AccountId=None),
        case("500A03", IsClosed=True, ClosedDate=None, LastModifiedDate="2026-11-30T12:00:00Z"),
        case("500A04", IsClosed=True, ClosedDate=None, LastModifiedDate=None),
        case("500A05", Priority="Urgent"),
        case("500A06", Priority=None),
        case("500A07", Priority=" high "),
    ]
    complaints, _ = run(cases)
    assert complaints.attrs["skipped"] == {
        "no account": 1,
        "no created date": 1,
        "closed without a closed or last-modified date": 1,
    }
    by_case = {str(row["case_id"]): row for row in complaints.to_dict("records")}
    assert by_case["500A03"]["closed_at"] == pd.Timestamp("2026-11-30T12:00:00Z")
    assert by_case["500A03"]["reason"].endswith("no closed date, last modified date used")
    assert by_case["500A05"]["priority"] == "Medium"
    assert by_case["500A05"]["reason"].startswith("priority 'Urgent' unknown, treated as Medium")
    assert by_case["500A06"]["reason"].startswith("no priority, treated as Medium")
    assert by_case["500A07"]["first_response_sla_hours"] == 4.0


def test_escalations_list_breached_first_then_most_sla_used() -> None:
    cases = [
        case("500A01", Priority="Low"),  # 19 of 24 h for first response: at risk
        case("500A02", Priority="Medium"),  # 19 of 8 h: breached
        case("500A03", Priority="High"),  # 19 of 4 h: breached, more used
        case("500A04", Priority="Low", CreatedDate="2026-12-02T10:00:00Z"),  # on track
    ]
    _, escalations = run(cases)
    assert escalations["case_id"].tolist() == ["500A03", "500A02", "500A01"]
    assert escalations["state"].tolist() == ["breached", "breached", "at risk"]


def test_unowned_case_escalates_to_the_account_owner_only() -> None:
    _, escalations = run([case("500A01", OwnerId="00GQUEUE")])
    row = only(escalations)
    assert row["escalate_to"] == ["ada.kam@contoso.com"]
    assert row["owner_name"] is None


def test_each_account_counts_in_its_own_country_holidays() -> None:
    # Thursday 26 November 2026 is Thanksgiving in the US, a working day in Germany.
    cases = [
        case("500A01", CreatedDate="2026-11-25T22:00:00Z"),
        case("500B01", AccountId="001B", CreatedDate="2026-11-25T22:00:00Z"),
    ]
    now = dt.datetime(2026, 11, 27, 0, tzinfo=dt.UTC)
    complaints, _ = run(cases, now=now, calendars=account_calendars(ACCOUNTS))
    used = complaints.set_index("case_id")["resolution_hours_used"]
    assert used["500A01"] == pytest.approx(8.0)
    assert used["500B01"] == pytest.approx(0.0)


def test_calendars_default_to_the_accounts_billing_countries() -> None:
    cases = [case("500B01", AccountId="001B", CreatedDate="2026-11-25T22:00:00Z")]
    now = dt.datetime(2026, 11, 27, 0, tzinfo=dt.UTC)
    complaints, _ = run(cases, now=now, calendars=None)
    assert only(complaints)["resolution_hours_used"] == 0.0


def test_no_cases_give_empty_frames_with_the_contract_columns() -> None:
    cases = pd.DataFrame(columns=list(case("500A01")))
    complaints, escalations = complaints_and_slas(
        cases, NO_COMMENTS, KEY_ACCOUNTS, ACCOUNTS, USERS, NO_TOUCHES, now=WEDNESDAY_NOON
    )
    assert tuple(complaints.columns) == COMPLAINT_COLUMNS
    assert tuple(escalations.columns) == ESCALATION_COLUMNS
    assert complaints.empty and escalations.empty


def test_now_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        run([case("500A01")], now=dt.datetime(2026, 12, 2, 11))


def test_policy_refuses_a_default_priority_without_an_sla() -> None:
    with pytest.raises(ValueError, match="default priority"):
        SlaPolicy(default_priority="Urgent")
