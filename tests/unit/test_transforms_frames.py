"""Reading raw mirror values: domains, checkboxes, dates and required columns."""

from __future__ import annotations

import pandas as pd
import pytest

from transforms.domains import email_domain, website_domain
from transforms.frames import require_columns, to_bool, to_date, to_datetime_utc


@pytest.mark.parametrize(
    ("website", "domain"),
    [
        ("https://www.Acme.com/about?x=1", "acme.com"),
        ("acme.com/contact", "acme.com"),
        ("WWW.ACME.CO.UK", "acme.co.uk"),
        ("http://shop.acme.com:8080", "shop.acme.com"),
        ("  ", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_website_domain_is_the_bare_host(website: object, domain: str | None) -> None:
    assert website_domain(website) == domain


def test_email_domain_is_lower_case_and_none_without_an_at() -> None:
    assert email_domain("Bea@Beta-Mail.COM") == "beta-mail.com"
    assert email_domain("not-an-address") is None
    assert email_domain(None) is None


def test_checkbox_values_from_json_or_text_store_read_as_booleans() -> None:
    values = pd.Series([True, False, None, "true", "false", 1, 0.0, float("nan")], dtype=object)

    assert to_bool(values).tolist() == [True, False, False, True, False, True, False, False]


def test_salesforce_dates_and_datetimes_parse_and_bad_values_become_missing() -> None:
    dates = to_date(pd.Series(["2026-11-27", None, "not a date"], dtype=object))
    stamps = to_datetime_utc(pd.Series(["2026-11-27T03:40:16.000+0000", "2026-11-27T05:00:00Z"]))

    assert dates[0] == pd.Timestamp("2026-11-27")
    assert dates[1:].isna().all()
    assert stamps.tolist() == [
        pd.Timestamp("2026-11-27T03:40:16Z"),
        pd.Timestamp("2026-11-27T05:00:00Z"),
    ]


def test_missing_columns_are_all_named_with_the_frame() -> None:
    frame = pd.DataFrame(columns=["Id"])

    with pytest.raises(
        ValueError, match=r"^tasks frame is missing required column\(s\): Subject, IsClosed$"
    ):
        require_columns(frame, "tasks", ["Id", "Subject", "IsClosed"])
