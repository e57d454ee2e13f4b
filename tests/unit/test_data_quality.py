"""Data-quality findings as a KAM sees them: which records, how bad, and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.data_quality import (
    CHECK_DUPLICATE_ACCOUNT,
    CHECK_MALFORMED_EMAIL,
    CHECK_MISSING_CONTACT,
    CHECK_OVERDUE_OPPORTUNITY,
    CHECK_OWNER_WITHOUT_MAILBOX,
    CHECKS,
    DATA_QUALITY_COLUMNS,
    SEVERITIES,
    data_quality,
    email_problem,
    malformed_emails,
    overdue_opportunities,
)

TODAY = dt.date(2026, 12, 7)
PROPERTIES = settings(derandomize=True, deadline=None, max_examples=100)
MAILBOXES = ("kim@ours.example", "lee@ours.example")


def frame(rows: list[dict[str, Any]], defaults: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame([{**defaults, **row} for row in rows], columns=list(defaults))


def make_accounts(rows: list[dict[str, Any]]) -> pd.DataFrame:
    defaults = {"Id": None, "Name": None, "Website": None, "Phone": None,
                "BillingCity": None, "ParentId": None, "IsDeleted": False}  # fmt: skip
    return frame(rows, defaults)


def make_contacts(rows: list[dict[str, Any]]) -> pd.DataFrame:
    defaults = {"Id": None, "AccountId": "A1", "Email": None, "FirstName": None,
                "LastName": None, "IsDeleted": False}  # fmt: skip
    return frame(rows, defaults)


def make_opportunities(rows: list[dict[str, Any]]) -> pd.DataFrame:
    defaults = {"Id": None, "AccountId": "A1", "Name": None, "Amount": None,
                "CloseDate": "2026-12-31", "IsClosed": False, "IsWon": False}  # fmt: skip
    return frame(rows, defaults)


def make_key_accounts(rows: list[dict[str, Any]]) -> pd.DataFrame:
    defaults = {"account_id": None, "account_name": None, "owner_id": "U1",
                "owner_name": "Kim Park", "owner_email": "kim@ours.example"}  # fmt: skip
    return frame(rows, defaults)


def make_touches(rows: list[dict[str, Any]]) -> pd.DataFrame:
    defaults: dict[str, Any] = {"source": "mail", "item_id": None, "internet_message_id": None,
                "ical_uid": None, "mailbox": "kim@ours.example",
                "occurred_at": pd.Timestamp("2026-12-01T10:00:00Z"), "account_id": "A1",
                "rule": "domain", "confidence": 0.9, "evidence": "", "direction": "inbound",
                "client_addresses": [], "conversation_id": None}  # fmt: skip
    return frame(rows, defaults)


ACCOUNTS = make_accounts(
    [
        {"Id": "A1", "Name": "Acme Energy Ltd", "Website": "https://acme.com"},
        {"Id": "A2", "Name": "Globex", "Website": "globex.com"},
    ]
)
KEY_ACCOUNTS = make_key_accounts([{"account_id": "A1", "account_name": "Acme Energy Ltd"}])


def check(
    *,
    accounts: pd.DataFrame = ACCOUNTS,
    contacts: pd.DataFrame | None = None,
    opportunities: pd.DataFrame | None = None,
    key_accounts: pd.DataFrame = KEY_ACCOUNTS,
    touches: pd.DataFrame | None = None,
    **options: Any,
) -> pd.DataFrame:
    return data_quality(
        accounts,
        contacts if contacts is not None else make_contacts([]),
        opportunities if opportunities is not None else make_opportunities([]),
        key_accounts,
        touches if touches is not None else make_touches([]),
        mailboxes=options.pop("mailboxes", MAILBOXES),
        today=TODAY,
        **options,
    )


def only(findings: pd.DataFrame, name: str) -> pd.DataFrame:
    return findings[findings["check"] == name].reset_index(drop=True)


def test_a_clean_org_has_no_findings_and_the_contract_columns() -> None:
    findings = check()

    assert list(findings.columns) == list(DATA_QUALITY_COLUMNS)
    assert findings.empty


def test_duplicate_pair_names_both_records_score_and_agreeing_keys() -> None:
    accounts = make_accounts(
        [
            {"Id": "A1", "Name": "Acme Energy Ltd", "Website": "https://www.acme.com",
             "Phone": "+44 20 7946 0000", "BillingCity": "London"},
            {"Id": "A9", "Name": "ACME Energy Limited", "Website": "acme.com",
             "Phone": "020 7946 0000", "BillingCity": "Leeds"},
            {"Id": "B1", "Name": "Initech", "Website": "initech.com"},
            {"Id": "B2", "Name": "Initech Inc", "Website": "initech.com"},
        ]
    )  # fmt: skip

    found = only(check(accounts=accounts), CHECK_DUPLICATE_ACCOUNT)

    assert found["record_ids"].tolist() == ["A1,A9", "B1,B2"]
    acme = found.iloc[0]
    assert acme["severity"] == "high"  # A1 is a key account
    assert acme["account_id"] == "A1"
    assert '"Acme Energy Ltd" (A1)' in acme["detail"]
    assert '"ACME Energy Limited" (A9)' in acme["detail"]
    assert "agree on name, domain, phone" in acme["detail"]
    assert "city" not in acme["detail"].split("agree on")[1].split(")")[0]
    assert "score 1.00" in acme["detail"] or "score 0.9" in acme["detail"]
    assert found.iloc[1]["severity"] == "medium"
    assert "\n" not in "".join(found["detail"])


def test_correspondents_at_key_account_domains_missing_from_contacts() -> None:
    contacts = make_contacts([{"Id": "C1", "Email": "Known@Acme.com"}])
    touches = make_touches(
        [
            {"item_id": "m1", "client_addresses": ["new@acme.com", "known@acme.com"],
             "occurred_at": pd.Timestamp("2026-11-02T09:00:00Z")},
            {"item_id": "m2", "client_addresses": ["NEW@acme.com"], "rule": "thread",
             "occurred_at": pd.Timestamp("2026-11-20T09:00:00Z")},
            {"item_id": "m2", "source": "event", "client_addresses": ["new@acme.com"],
             "occurred_at": pd.Timestamp("2026-11-05T09:00:00Z")},
            # Matched through a Contact: not this check's business.
            {"item_id": "m3", "client_addresses": ["other@acme.com"], "rule": "contact"},
            # Not a key account.
            {"item_id": "m4", "account_id": "A2", "client_addresses": ["x@globex.com"]},
            # Free mail on a thread is no address at the client's domain.
            {"item_id": "m5", "client_addresses": ["ceo.home@gmail.com"], "rule": "thread"},
        ]
    )  # fmt: skip

    found = only(
        check(contacts=contacts, touches=touches, free_mail_domains=["gmail.com"]),
        CHECK_MISSING_CONTACT,
    )

    assert len(found) == 1
    row = found.iloc[0]
    assert (row["severity"], row["sobject"], row["account_id"]) == ("medium", "Contact", "A1")
    assert row["record_ids"] == ""
    assert row["detail"].startswith("new@acme.com corresponded with key account")
    assert '"Acme Energy Ltd" (A1)' in row["detail"]
    assert "on 3 items (last 2026-11-20)" in row["detail"]


def test_a_deleted_contact_does_not_count_as_known() -> None:
    contacts = make_contacts([{"Id": "C1", "Email": "gone@acme.com", "IsDeleted": True}])
    touches = make_touches([{"item_id": "m1", "client_addresses": ["gone@acme.com"]}])

    found = only(check(contacts=contacts, touches=touches), CHECK_MISSING_CONTACT)

    assert len(found) == 1
    assert "on 1 item (last 2026-12-01)" in found.iloc[0]["detail"]


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        ("jane.doe", "no @"),
        ("jane doe@acme.com", "a space inside"),
        ("jane..doe@acme.com", "two dots in a row"),
        ("jane@acme", "no top-level domain (like .com) after the @"),
        ("jane@acme.com.", "a trailing dot"),
        ("jane@acme.com, joe@acme.com", "a comma or semicolon (two addresses in one field?)"),
        ("jane@@acme.com", "more than one @"),
        ("@acme.com", "nothing before the @"),
        ("jane@", "nothing after the @"),
        (".jane@acme.com", "a dot at the start or end of the name"),
        ("jane@acme.c0m", "top-level domain 'c0m' does not exist"),
        ("<jane@acme.com>", "characters an address cannot hold"),
        ("jane@-acme.com", "characters an address cannot hold"),
    ],
)
def test_malformed_emails_say_what_is_wrong(email: str, problem: str) -> None:
    contacts = make_contacts([{"Id": "C7", "Email": email, "FirstName": "Jane", "LastName": "Doe"}])

    found = only(check(contacts=contacts), CHECK_MALFORMED_EMAIL)

    assert len(found) == 1
    row = found.iloc[0]
    assert (row["severity"], row["sobject"], row["record_ids"]) == ("low", "Contact", "C7")
    assert row["account_id"] == "A1"
    assert row["detail"].startswith('Contact "Jane Doe" (C7) of "Acme Energy Ltd" (A1)')
    assert row["detail"].endswith(problem)


@pytest.mark.parametrize(
    "email",
    [
        "jane.doe@acme.com",
        "  jane@acme.co.uk ",
        "o'brien+crm@sub.acme-energy.de",
        "JANE@ACME.COM",
        "jürgen@müller.de",
        "x@acme.xn--p1ai",
    ],
)
def test_plausible_and_missing_emails_are_not_findings(email: str) -> None:
    contacts = make_contacts([{"Id": "C1", "Email": email}, {"Id": "C2", "Email": None}])

    assert only(check(contacts=contacts), CHECK_MALFORMED_EMAIL).empty
    assert email_problem(email) == ""


def test_blank_and_all_missing_emails_are_no_findings() -> None:
    blank = make_contacts([{"Id": "C1", "Email": "   "}, {"Id": "C2", "Email": ""}])
    all_missing = pd.DataFrame({"Id": ["C1"], "AccountId": ["A1"], "Email": [float("nan")]})
    touches = make_touches([{"item_id": "m1", "client_addresses": ["new@acme.com"]}])

    assert only(check(contacts=blank), CHECK_MALFORMED_EMAIL).empty
    found = check(contacts=all_missing, touches=touches)
    assert found["check"].tolist() == [CHECK_MISSING_CONTACT]


def test_open_opportunities_past_close_date_name_days_and_amount() -> None:
    opportunities = make_opportunities(
        [
            {"Id": "O1", "Name": "Acme renewal", "CloseDate": "2026-11-07", "Amount": 12000},
            {"Id": "O2", "AccountId": "A2", "Name": "Globex pilot", "CloseDate": "2026-12-06"},
            {"Id": "O3", "CloseDate": "2026-11-01", "IsClosed": True},
            {"Id": "O4", "CloseDate": "2026-12-07"},
            {"Id": "O5", "CloseDate": None},
            {"Id": "O6", "CloseDate": "not a date"},
        ]
    )

    found = only(check(opportunities=opportunities), CHECK_OVERDUE_OPPORTUNITY)

    assert found["record_ids"].tolist() == ["O1", "O2"]
    assert found["severity"].tolist() == ["high", "medium"]
    assert found.iloc[0]["detail"] == (
        'Opportunity "Acme renewal" (O1) on "Acme Energy Ltd" (A1) is still open 30 days '
        "after its close date 2026-11-07 (amount 12,000)"
    )
    assert "open 1 day after" in found.iloc[1]["detail"]
    assert "(no amount)" in found.iloc[1]["detail"]


def test_key_account_owners_without_a_synced_mailbox() -> None:
    key_accounts = make_key_accounts(
        [
            {"account_id": "A1", "account_name": "Acme", "owner_email": "KIM@ours.example"},
            {"account_id": "A2", "account_name": "Globex", "owner_id": "U2",
             "owner_name": "Sam Roe", "owner_email": "sam@ours.example"},
            {"account_id": "A3", "account_name": "Initech", "owner_id": None,
             "owner_name": None, "owner_email": None},
        ]
    )  # fmt: skip

    found = only(check(key_accounts=key_accounts), CHECK_OWNER_WITHOUT_MAILBOX)

    assert found["record_ids"].tolist() == ["A2", "A3"]
    assert set(found["severity"]) == {"high"}
    assert found.iloc[0]["detail"].startswith(
        'Key account "Globex" (A2) is owned by "Sam Roe" (U2), whose address '
        "sam@ours.example is not a synced mailbox"
    )
    assert "is owned by no one, who has no e-mail address" in found.iloc[1]["detail"]


def test_findings_are_sorted_by_severity_then_check() -> None:
    contacts = make_contacts([{"Id": "C1", "Email": "bad"}])
    opportunities = make_opportunities([{"Id": "O1", "AccountId": "A2", "CloseDate": "2026-01-01"}])
    touches = make_touches([{"item_id": "m1", "client_addresses": ["new@acme.com"]}])
    key_accounts = make_key_accounts(
        [{"account_id": "A1", "account_name": "Acme", "owner_email": None}]
    )

    findings = check(
        contacts=contacts, opportunities=opportunities, touches=touches, key_accounts=key_accounts
    )

    assert findings["check"].tolist() == [
        CHECK_OWNER_WITHOUT_MAILBOX,
        CHECK_MISSING_CONTACT,  # "correspondent ..." sorts before "opportunity ..."
        CHECK_OVERDUE_OPPORTUNITY,
        CHECK_MALFORMED_EMAIL,
    ]
    assert findings["severity"].tolist() == ["high", "medium", "medium", "low"]


def test_missing_required_columns_are_named() -> None:
    with pytest.raises(ValueError, match="contacts frame is missing required column"):
        data_quality(
            ACCOUNTS, pd.DataFrame({"Id": []}), make_opportunities([]), KEY_ACCOUNTS,
            make_touches([]), mailboxes=MAILBOXES, today=TODAY,
        )  # fmt: skip


close_dates = st.one_of(
    st.none(),
    st.just("garbage"),
    st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)).map(dt.date.isoformat),
)
opportunity_rows = st.lists(
    st.fixed_dictionaries(
        {"CloseDate": close_dates, "IsClosed": st.sampled_from([True, False, "true", None]),
         "AccountId": st.sampled_from(["A1", "A2", None]),
         "Amount": st.one_of(st.none(), st.floats(-1e6, 1e9))}
    ),
    max_size=30,
)  # fmt: skip


@PROPERTIES
@given(opportunity_rows)
def test_exactly_the_open_opportunities_past_close_date_are_flagged(
    rows: list[dict[str, Any]],
) -> None:
    opportunities = make_opportunities(
        [{**row, "Id": f"O{number}"} for number, row in enumerate(rows)]
    )
    expected = {
        f"O{number}"
        for number, row in enumerate(rows)
        if row["IsClosed"] not in (True, "true")
        and row["CloseDate"] not in (None, "garbage")
        and dt.date.fromisoformat(row["CloseDate"]) < TODAY
    }

    found = overdue_opportunities(opportunities, pd.Series({"A1": "Acme"}), {"A1"}, today=TODAY)

    assert set(found["record_ids"]) == expected
    assert set(found["severity"]) <= set(SEVERITIES)
    assert all(" day" in detail and "after its close date" in detail for detail in found["detail"])


local_parts = st.from_regex(r"[a-z0-9](?:[a-z0-9+_-]{0,8}[a-z0-9])?(?:\.[a-z0-9]{1,5}){0,2}",
                            fullmatch=True)  # fmt: skip
domains = st.from_regex(r"(?:[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?\.){1,3}[a-z]{2,6}",
                        fullmatch=True)  # fmt: skip
breakages = st.sampled_from([" ", "..", ",", "@", ";"])


@PROPERTIES
@given(local_parts, domains, breakages, st.booleans())
def test_well_formed_addresses_pass_and_any_breakage_is_flagged(
    local: str, domain: str, breakage: str, in_local: bool
) -> None:
    good = f"{local}@{domain}"
    broken = f"{local}{breakage}x@{domain}" if in_local else f"{local}@{domain}{breakage}x"
    contacts = make_contacts([{"Id": "C1", "Email": good}, {"Id": "C2", "Email": broken}])

    found = malformed_emails(contacts, pd.Series({"A1": "Acme"}))

    assert found["record_ids"].tolist() == ["C2"]
    assert email_problem(good) == ""
    assert email_problem(broken) != ""


def test_every_check_has_a_known_severity() -> None:
    assert len(set(CHECKS)) == len(CHECKS) == 5
