"""The Outlook digest a KAM reads on a phone: headline counts, overdue, this week, renewals."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jinja2
import pandas as pd

from transforms.frames import require_columns

DEADLINE_COLUMNS = ("kind", "account_name", "title", "due_date", "days_left", "overdue", "amount")
TEMPLATE_NAME = "digest.html.j2"
WEEK_DAYS = 7


@dataclass(frozen=True)
class DigestItem:
    """One deadline line: what, for whom, when, how much (already formatted for reading)."""

    title: str
    account: str
    when: str
    amount: str | None


@dataclass(frozen=True)
class DigestSection:
    """A titled list of deadlines with the sentence shown when it is empty."""

    title: str
    entries: list[DigestItem]
    empty: str
    alert: bool = False


@dataclass(frozen=True)
class HeadlineFigure:
    """One of the counts across the top of the digest."""

    label: str
    value: int
    alert: bool = False


def render_digest(
    key_accounts: pd.DataFrame,
    deadlines: pd.DataFrame,
    *,
    today: dt.date,
    company: str,
    report_url: str | None,
    meetings: pd.DataFrame | None = None,
) -> tuple[str, str]:
    """(subject, html) of the digest; CRM text is HTML-escaped by the template's autoescape.

    With `meetings` (`transforms.meetings.meetings_of_accounts`), the meetings booked with
    key clients in the next seven days get a section of their own.
    """
    require_columns(key_accounts, "key_accounts", ("account_id",))
    require_columns(deadlines, "deadlines", DEADLINE_COLUMNS)
    company_name = " ".join(company.split())  # no line breaks can reach a mail header
    overdue = deadlines[deadlines["overdue"].astype(bool)]
    upcoming = deadlines[~deadlines["overdue"].astype(bool)]
    this_week = upcoming[upcoming["days_left"].le(WEEK_DAYS)]
    renewals = upcoming[upcoming["kind"].eq("contract_renewal")]

    subject = (
        f"{company_name} key accounts: {len(overdue)} overdue, "
        f"{len(this_week)} due in the next {WEEK_DAYS} days"
    )
    html = _template().render(
        subject=subject,
        company=company_name,
        today_label=f"{today:%A %d %B %Y}",
        headline=[
            HeadlineFigure("key accounts", key_accounts["account_id"].nunique()),
            HeadlineFigure("overdue", len(overdue), alert=len(overdue) > 0),
            HeadlineFigure(f"next {WEEK_DAYS} days", len(this_week)),
            HeadlineFigure("renewals coming up", len(renewals)),
        ],
        sections=[
            DigestSection("Overdue", _items(overdue), "Nothing overdue.", alert=True),
            DigestSection(f"Next {WEEK_DAYS} days", _items(this_week), "Nothing due this week."),
            DigestSection("Renewal notices coming up", _items(renewals), "No renewals coming up."),
            *(
                []
                if meetings is None
                else [
                    DigestSection(
                        f"Meetings with key clients, next {WEEK_DAYS} days",
                        _meeting_items(key_accounts, meetings, today),
                        "No meetings booked with key clients this week.",
                    )
                ]
            ),
        ],
        report_url=_web_link(report_url),
    )
    return subject, html


@functools.cache
def _template() -> jinja2.Template:
    """The digest template, loaded once from the package with autoescape on."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("transforms", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(TEMPLATE_NAME)


def _items(deadlines: pd.DataFrame) -> list[DigestItem]:
    """Deadlines as readable lines, soonest first."""
    ordered = deadlines.sort_values(["due_date", "account_name"], kind="stable")
    return [_item(deadline) for deadline in ordered.to_dict("records")]


def _item(deadline: Mapping[Hashable, Any]) -> DigestItem:
    amount = deadline["amount"]
    return DigestItem(
        title=str(deadline["title"]),
        account=str(deadline["account_name"] or "(unknown account)"),
        when=_when(deadline["due_date"], int(deadline["days_left"])),
        amount=None if amount is None or pd.isna(amount) else f"{amount:,.0f}",
    )


def _meeting_items(
    key_accounts: pd.DataFrame, meetings: pd.DataFrame, today: dt.date
) -> list[DigestItem]:
    """Next meetings booked with key accounts from today to seven days on, soonest first."""
    require_columns(meetings, "meetings", ("account_id", "next_meeting_at", "next_meeting_subject"))
    names = key_accounts.drop_duplicates("account_id").set_index("account_id")
    start = pd.Timestamp(today, tz="UTC")
    booked = meetings[
        meetings["next_meeting_at"].notna()
        & meetings["account_id"].isin(names.index)
        & (pd.to_datetime(meetings["next_meeting_at"], utc=True) < start + pd.Timedelta(days=8))
    ].sort_values("next_meeting_at", kind="stable")
    return [
        DigestItem(
            title=str(row["next_meeting_subject"] or "(no subject)"),
            account=str(names.at[row["account_id"], "account_name"]),
            when=f"{pd.Timestamp(row['next_meeting_at']):%a %d %b %H:%M} UTC",
            amount=None,
        )
        for row in booked.to_dict("records")
    ]


def _when(due: dt.date, days_left: int) -> str:
    """ "due Mon 30 Nov (in 3 days)" or "due Mon 23 Nov (4 days overdue)"."""
    if days_left < 0:
        late = -days_left
        relative = f"{late} day{'s' if late != 1 else ''} overdue"
    elif days_left == 0:
        relative = "today"
    else:
        relative = f"in {days_left} day{'s' if days_left != 1 else ''}"
    return f"due {due:%a %d %b} ({relative})"


def _web_link(url: str | None) -> str | None:
    """Only http(s) links go into the mail; anything else (javascript:, file:) is dropped."""
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None
