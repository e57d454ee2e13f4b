"""The digest mail: right counts in the subject, overdue items listed, CRM text harmless."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from transforms import render_digest

TODAY = dt.date(2026, 11, 27)
KEY_ACCOUNTS = pd.DataFrame({"account_id": ["A1", "A2"], "account_name": ["Acme", "Beta"]})


def deadline(
    sf_id: str, days_left: int, title: str, kind: str = "task", amount: float | None = None
) -> dict[str, object]:
    return {
        "sf_id": sf_id,
        "kind": kind,
        "account_name": "Acme & Sons",
        "title": title,
        "due_date": TODAY + dt.timedelta(days=days_left),
        "days_left": days_left,
        "overdue": days_left < 0,
        "amount": amount,
    }


DEADLINES = pd.DataFrame(
    [
        deadline("T1", -4, "<script>alert('x')</script>"),
        deadline("O1", 2, "Close: Turbine retrofit", "opportunity_close", 250000.0),
        deadline("C1", 20, "Renewal notice: contract 00042 ends 2027-03-18", "contract_renewal"),
    ]
)


def digest(
    deadlines: pd.DataFrame = DEADLINES, report_url: str | None = "https://files.example/r.xlsx"
) -> tuple[str, str]:
    return render_digest(
        KEY_ACCOUNTS, deadlines, today=TODAY, company="Contoso", report_url=report_url
    )


def test_subject_gives_the_counts_a_kam_acts_on() -> None:
    subject, _ = digest()

    assert subject == "Contoso key accounts: 1 overdue, 1 due in the next 7 days"


def test_crm_text_is_escaped_not_executed() -> None:
    _, html = digest()

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Acme &amp; Sons" in html


def test_overdue_items_are_listed_with_how_late_they_are() -> None:
    _, html = digest()

    overdue_section = html.split("Overdue (1)")[1].split("Next 7 days")[0]
    assert "alert(" in overdue_section
    assert "4 days overdue" in overdue_section
    assert "Turbine" not in overdue_section


def test_week_and_renewals_sections_list_their_items() -> None:
    _, html = digest()

    week = html.split("Next 7 days (1)")[1].split("Renewal notices coming up")[0]
    renewals = html.split("Renewal notices coming up (1)")[1]
    assert "Close: Turbine retrofit" in week
    assert "250,000" in week
    assert "in 2 days" in week
    assert "contract 00042" in renewals


def test_report_link_is_included_only_when_it_is_a_web_link() -> None:
    _, with_link = digest()
    _, script_link = digest(report_url="javascript:alert(1)")
    _, without_link = digest(report_url=None)

    assert 'href="https://files.example/r.xlsx"' in with_link
    assert "javascript:" not in script_link
    assert "Open the full report" not in without_link


def test_quiet_day_says_so() -> None:
    subject, html = digest(DEADLINES.iloc[0:0])

    assert subject == "Contoso key accounts: 0 overdue, 0 due in the next 7 days"
    assert "Nothing overdue." in html


def test_missing_required_column_is_named() -> None:
    with pytest.raises(ValueError, match=r"deadlines.*overdue"):
        digest(DEADLINES.drop(columns=["overdue"]))


def test_meetings_booked_with_key_clients_this_week_are_listed_soonest_first() -> None:
    meetings = pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A9"],
            "next_meeting_at": pd.to_datetime(
                ["2026-12-02T15:00:00Z", "2026-11-30T09:30:00Z", "2026-11-28T10:00:00Z"]
            ),
            "next_meeting_subject": ["QBR <Acme>", "Beta renewal call", "Not a key account"],
        }
    )
    far = meetings.assign(next_meeting_at=pd.to_datetime(["2027-01-10T10:00:00Z"] * 3))

    _, html = render_digest(
        KEY_ACCOUNTS, DEADLINES, today=TODAY, company="Contoso", report_url=None,
        meetings=meetings,
    )  # fmt: skip
    _, quiet = render_digest(
        KEY_ACCOUNTS, DEADLINES, today=TODAY, company="Contoso", report_url=None, meetings=far
    )

    assert "Meetings with key clients, next 7 days (2)" in html
    assert html.index("Beta renewal call") < html.index("QBR &lt;Acme&gt;")
    assert "Mon 30 Nov 09:30 UTC" in html
    assert "Not a key account" not in html
    assert "No meetings booked with key clients this week." in quiet
