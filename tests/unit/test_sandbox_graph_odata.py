"""The OData `$filter`/`$orderby` grammar and its evaluation against documents."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.graph.odata import ODataSyntaxError, filter_paths, parse_filter, parse_orderby
from sandbox.graph.odata_eval import matches, sort_documents

MESSAGE: dict[str, Any] = {
    "subject": "Renewal: Fabrikam 2026",
    "receivedDateTime": "2026-01-15T09:00:00Z",
    "isRead": False,
    "importance": "high",
    "size": 42,
    "from": {"emailAddress": {"address": "Dana@Fabrikam.com"}},
    "toRecipients": [
        {"emailAddress": {"address": "alice@contoso.com"}},
        {"emailAddress": {"address": "bob@contoso.com"}},
    ],
    "categories": ["Key account"],
    "dueDateTime": {"dateTime": "2026-03-01T00:00:00.0000000", "timeZone": "UTC"},
}


@pytest.mark.parametrize(
    "expression",
    [
        "receivedDateTime ge 2026-01-01T00:00:00Z and receivedDateTime lt 2026-02-01T00:00:00Z",
        "receivedDateTime gt 2026-01-15T08:00:00+00:00",
        "receivedDateTime ge 2026-01-15",
        "from/emailAddress/address eq 'dana@fabrikam.com'",
        "isRead eq false",
        "not isRead",
        "importance eq 'low' or importance eq 'high'",
        "importance ne 'low' and (size gt 40 or isRead eq true)",
        "toRecipients/any(r: r/emailAddress/address eq 'bob@contoso.com')",
        "categories/any(c: c eq 'key account')",
        "importance in ('normal', 'high')",
        "startswith(subject, 'renewal')",
        "contains(subject, 'FABRIKAM')",
        "endswith(from/emailAddress/address, '@fabrikam.com')",
        "dueDateTime/dateTime lt '2026-04-01T00:00:00'",
        "flag eq null",
    ],
)
def test_supported_expressions_match_the_message(expression: str) -> None:
    assert matches(parse_filter(expression), MESSAGE)


@pytest.mark.parametrize(
    "expression",
    [
        "receivedDateTime lt 2026-01-15T09:00:00Z",
        "isRead eq true",
        "toRecipients/all(r: r/emailAddress/address eq 'bob@contoso.com')",
        "importance eq 'low' or importance eq 'normal' and size gt 0",
        "size le 41.5",
        "subject eq null",
        "missing gt 3",
    ],
)
def test_expressions_that_do_not_match(expression: str) -> None:
    assert not matches(parse_filter(expression), MESSAGE)


def test_and_binds_tighter_than_or() -> None:
    node = parse_filter("importance eq 'high' or isRead eq true and size gt 100")

    assert matches(node, MESSAGE)
    assert not matches(node, MESSAGE | {"importance": "low"})


def test_quoted_strings_unescape_doubled_quotes() -> None:
    assert matches(parse_filter("subject eq 'O''Brien'"), {"subject": "O'Brien"})


@pytest.mark.parametrize(
    "expression",
    ["isRead eq", "subject eq 'unterminated", "a eq b", "subject EQ 'x'", "", "a eq 2026-13-01"],
)
def test_malformed_expressions_are_syntax_errors(expression: str) -> None:
    with pytest.raises(ODataSyntaxError):
        parse_filter(expression)


def test_filter_paths_lists_properties_in_order_without_lambda_bodies() -> None:
    node = parse_filter("receivedDateTime ge 2026-01-01 and toRecipients/any(r: r/x eq 'y')")

    assert filter_paths(node) == [("receivedDateTime",), ("toRecipients",)]


def test_orderby_keys_and_directions() -> None:
    keys = parse_orderby("receivedDateTime desc, from/emailAddress/name")

    assert [(key.path, key.descending) for key in keys] == [
        (("receivedDateTime",), True),
        (("from", "emailAddress", "name"), False),
    ]


def test_sorting_orders_dates_as_time_and_puts_nulls_first_ascending() -> None:
    docs = [
        {"id": "late", "when": "2026-01-02T00:00:00Z"},
        {"id": "none"},
        {"id": "early", "when": "2026-01-02T01:00:00+03:00"},
    ]

    ascending = sort_documents(docs, parse_orderby("when"))
    descending = sort_documents(docs, parse_orderby("when desc"))

    assert [d["id"] for d in ascending] == ["none", "early", "late"]
    assert [d["id"] for d in descending] == ["late", "early", "none"]


def test_sorting_by_two_keys() -> None:
    docs = [{"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 1, "b": "x"}]

    ordered = sort_documents(docs, parse_orderby("a desc,b"))

    assert [(d["a"], d["b"]) for d in ordered] == [(2, "x"), (1, "x"), (1, "y")]


def test_lambda_operators_match_in_any_case_and_reach_hidden_properties() -> None:
    key = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name KamsyncKey"
    doc = MESSAGE | {"_singleValueExtendedProperties": [{"id": key, "value": "k-1"}]}
    wanted = f"singleValueExtendedProperties/Any(ep: ep/id eq '{key}' and ep/value eq 'K-1')"
    other = f"singleValueExtendedProperties/ANY(ep: ep/id eq '{key}' and ep/value eq 'k-2')"

    assert matches(parse_filter(wanted), doc)
    assert not matches(parse_filter(other), doc)
    assert not matches(parse_filter(wanted), MESSAGE)
