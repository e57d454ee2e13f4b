"""SOQL and OData `$filter` strings built from CRM data parse back to the very value, for
any text: quotes, backslashes, wildcards, line breaks and control characters included.

Each query is parsed by the stand-ins' own parsers, in process.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.errors import ConnectorConfigError
from connectors.m365.client import GraphClient
from connectors.m365.events import KEY_PROPERTY, key_filter
from connectors.m365.send import KEY_PROPERTY_ID, sent_with_key
from connectors.salesforce.soql import by_ids_query, identifier
from sandbox.graph.odata import Compare, Lambda, Logical, parse_filter
from sandbox.salesforce.soql_ast import Comparison, FieldPath, Literal
from sandbox.salesforce.soql_grammar import parse_soql

# Any text a CRM field or a key could hold (no lone surrogates: they are not UTF-8).
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
# Derandomized: the same 150 examples every run, so CI is reproducible; raise
# max_examples locally to search wider.
SETTINGS = settings(max_examples=150, deadline=None, database=None, derandomize=True)


@SETTINGS
@given(st.lists(ANY_TEXT, min_size=1, max_size=4))
def test_ids_in_a_soql_query_parse_back_to_the_same_literals(ids: list[str]) -> None:
    query = parse_soql(by_ids_query("Account", ["Id", "Name"], ids))
    where = query.where
    assert isinstance(where, Comparison) and where.operator.upper() == "IN"
    assert isinstance(where.value, tuple)
    assert [cast(Literal, literal).value for literal in where.value] == ids


@SETTINGS
@given(ANY_TEXT)
def test_a_soql_name_is_either_refused_or_a_plain_name(name: str) -> None:
    try:
        checked = identifier(name)
    except ConnectorConfigError as refused:
        assert "not an object or field name" in str(refused)
        return
    # A checked name is a field path (`Owner.Name`), so it must parse as a selected field.
    query = parse_soql(f"SELECT {checked} FROM Account")
    selected = query.select[0]
    assert isinstance(selected, FieldPath) and ".".join(selected.names) == checked


def _key_literal(text: str, property_id: str) -> str:
    """The value an `ep/id eq … and ep/value eq …` lambda filter compares with."""
    node = parse_filter(text)
    assert isinstance(node, Lambda) and node.path == ("singleValueExtendedProperties",)
    body = node.body
    assert isinstance(body, Logical) and body.op == "and"
    assert isinstance(body.left, Compare) and body.left.value == property_id
    assert isinstance(body.right, Compare) and body.right.path[-1] == "value"
    return str(body.right.value)


@SETTINGS
@given(ANY_TEXT)
def test_an_event_key_filter_parses_back_to_the_key(key: str) -> None:
    assert _key_literal(key_filter(key), KEY_PROPERTY) == key


class _RecordingGraph:
    """Stands in for GraphClient: keeps the query parameters of each GET."""

    def __init__(self) -> None:
        self.params: list[dict[str, Any]] = []

    def user_path(self, mailbox: str) -> str:
        return f"/users/{mailbox}"

    def get(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.params.append(params or {})
        return {"value": []}


@SETTINGS
@given(ANY_TEXT)
def test_a_sent_items_key_filter_parses_back_to_the_key(key: str) -> None:
    graph = _RecordingGraph()
    assert not sent_with_key(cast(GraphClient, graph), "ann@contoso.com", key)
    assert _key_literal(graph.params[0]["$filter"], KEY_PROPERTY_ID) == key


@pytest.mark.parametrize("key", ["it's", "a'' b", "x' or 1 eq 1 or 'y", "\r\n'"])
def test_quotes_cannot_end_an_odata_literal_early(key: str) -> None:
    assert _key_literal(key_filter(key), KEY_PROPERTY) == key
