"""SOQL parsing: the syntax the SOQL reference describes, Salesforce's error
messages for bad syntax, and unsupported features refused by name."""

from __future__ import annotations

import pytest

from sandbox.salesforce.errors import SoqlError
from sandbox.salesforce.soql_ast import (
    Aggregate,
    BoolOp,
    ChildQuery,
    Comparison,
    FieldPath,
    Literal,
    Not,
    Query,
)
from sandbox.salesforce.soql_grammar import parse_soql


def syntax_error(soql: str) -> SoqlError:
    with pytest.raises(SoqlError) as raised:
        parse_soql(soql)
    return raised.value


def test_keywords_are_case_insensitive_and_names_keep_their_spelling() -> None:
    upper = parse_soql("SELECT Id, Name FROM Account WHERE Name = 'Acme' ORDER BY Name LIMIT 5")
    lower = parse_soql("select Id, Name from Account where Name = 'Acme' order by Name limit 5")
    assert upper == lower
    assert [item.names for item in upper.select if isinstance(item, FieldPath)] == [
        ("Id",),
        ("Name",),
    ]
    assert (upper.sobject, upper.limit) == ("Account", 5)


def test_parent_paths_aggregates_and_aliases() -> None:
    query = parse_soql("SELECT Account.Owner.Email, COUNT(Id) total, COUNT() FROM Contact")
    path, count_ids, count_rows = query.select
    assert isinstance(path, FieldPath) and path.dotted() == "Account.Owner.Email"
    assert isinstance(count_ids, Aggregate) and (count_ids.function, count_ids.alias) == (
        "COUNT",
        "total",
    )
    assert isinstance(count_rows, Aggregate) and count_rows.argument is None


def test_where_operators_literals_and_grouping() -> None:
    query = parse_soql(
        "SELECT Id FROM Opportunity WHERE (Amount >= -1.5 OR Amount = null) AND NOT "
        "StageName IN ('Closed Won', 'Closed Lost') AND Name <> 'It\\'s' "
        "AND CloseDate = NEXT_N_DAYS:30 AND CreatedDate < 2026-01-31T10:00:00.000+0000"
    )
    assert isinstance(query.where, BoolOp) and query.where.op == "AND"
    amounts, negated, name, close, created = query.where.parts
    assert isinstance(amounts, BoolOp) and amounts.op == "OR"
    assert isinstance(negated, Not) and isinstance(negated.part, Comparison)
    assert negated.part.operator == "IN" and len(negated.part.value) == 2  # type: ignore[arg-type]
    assert isinstance(name, Comparison) and (name.operator, name.value.value) == ("!=", "It's")  # type: ignore[union-attr]
    assert isinstance(close, Comparison) and close.value.value == ("NEXT_N_DAYS", 30)  # type: ignore[union-attr]
    assert isinstance(created, Comparison) and created.value.kind == "datetime"  # type: ignore[union-attr]


def test_semi_join_subquery_parses_as_a_query() -> None:
    query = parse_soql(
        "SELECT Id FROM Account WHERE Id NOT IN "
        "(SELECT AccountId FROM Opportunity WHERE IsWon = true)"
    )
    assert isinstance(query.where, Comparison) and query.where.operator == "NOT IN"
    assert isinstance(query.where.value, Query) and query.where.value.sobject == "Opportunity"


def test_child_subquery_in_the_select_list_keeps_its_own_clauses() -> None:
    query = parse_soql(
        "SELECT Name, (SELECT LastName, Owner.Email FROM Contacts WHERE Email != null "
        "ORDER BY LastName DESC LIMIT 3) FROM Account"
    )
    name, contacts = query.select
    assert isinstance(name, FieldPath) and isinstance(contacts, ChildQuery)
    child = contacts.query
    assert child.sobject == "Contacts"
    assert [item.dotted() for item in child.select if isinstance(item, FieldPath)] == [
        "LastName",
        "Owner.Email",
    ]
    assert (child.limit, child.order_by[0].descending) == (3, True)
    assert isinstance(child.where, Comparison) and child.where.operator == "!="


def test_includes_and_excludes_take_value_lists() -> None:
    query = parse_soql(
        "SELECT Id FROM Account WHERE Product_Interests__c includes ('Solar;Storage', 'Wind') "
        "AND Product_Interests__c EXCLUDES ('Hydro')"
    )
    assert isinstance(query.where, BoolOp)
    includes, excludes = query.where.parts
    assert isinstance(includes, Comparison) and includes.operator == "INCLUDES"
    assert isinstance(includes.value, tuple)
    assert [value.value for value in includes.value if isinstance(value, Literal)] == [
        "Solar;Storage",
        "Wind",
    ]
    assert isinstance(excludes, Comparison) and excludes.operator == "EXCLUDES"


def test_order_by_with_directions_and_null_placement() -> None:
    query = parse_soql(
        "SELECT Id FROM Account ORDER BY Industry DESC NULLS LAST, Name, Type ASC NULLS FIRST "
        "LIMIT 10 OFFSET 20"
    )
    assert [(item.field.dotted(), item.descending, item.nulls_last) for item in query.order_by] == [
        ("Industry", True, True),
        ("Name", False, None),
        ("Type", False, False),
    ]
    assert (query.limit, query.offset) == (10, 20)


def test_a_misspelt_keyword_is_reported_whole_with_row_and_column() -> None:
    error = syntax_error("SELECT Id FROMM Account")
    assert error.error_code == "MALFORMED_QUERY"
    message = error.to_api_error("SELECT Id FROMM Account").message
    assert message == (
        "\nSELECT Id FROMM Account\n          ^\nERROR at Row:1:Column:11\n"
        "unexpected token: 'FROMM'"
    )


def test_reserved_words_and_end_of_query_are_unexpected_tokens() -> None:
    assert syntax_error("SELECT Id, FROM Account").text == "unexpected token: 'FROM'"
    assert syntax_error("SELECT Id FROM Account WHERE").text == "unexpected token: '<EOF>'"


def test_mixing_and_with_or_needs_parentheses() -> None:
    error = syntax_error("SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Type = 'c'")
    assert error.text == "unexpected token: 'OR'"


def test_errors_on_later_rows_show_that_row() -> None:
    soql = "SELECT Id\nFROM Account\nWHERE Name = 'x' LIMIT"
    message = syntax_error(soql).to_api_error(soql).message
    assert message.startswith("\nWHERE Name = 'x' LIMIT\n")
    assert "ERROR at Row:3:Column:" in message


def test_string_escapes_decode_and_unknown_escapes_are_refused() -> None:
    query = parse_soql("SELECT Id FROM Account WHERE Name = 'Line\\nbreak \\\\ \\'q\\''")
    assert isinstance(query.where, Comparison)
    assert query.where.value.value == "Line\nbreak \\ 'q'"  # type: ignore[union-attr]
    assert (
        "Illegal character sequence '\\q'"
        in syntax_error("SELECT Id FROM Account WHERE Name = 'a\\qb'").text
    )


@pytest.mark.parametrize(
    ("soql", "feature"),
    [
        ("SELECT Industry FROM Account GROUP BY Industry", "GROUP BY"),
        (
            "SELECT Id, (SELECT Id, (SELECT Id FROM Tasks) FROM Contacts) FROM Account",
            "Nested child relationship subqueries",
        ),
        ("SELECT TYPEOF What WHEN Account THEN Name END FROM Task", "TYPEOF"),
        ("SELECT Id FROM Account FOR UPDATE", "FOR UPDATE"),
        ("SELECT Id FROM Account WITH SECURITY_ENFORCED", "WITH SECURITY_ENFORCED"),
        ("SELECT toLabel(Industry) FROM Account", "toLabel()"),
        ("SELECT Id FROM Account WHERE CALENDAR_YEAR(CreatedDate) = 2026", "CALENDAR_YEAR()"),
        ("SELECT Id FROM Account USING SCOPE mine", "USING SCOPE"),
    ],
)
def test_unsupported_features_are_refused_by_name(soql: str, feature: str) -> None:
    error = syntax_error(soql)
    assert error.error_code == "MALFORMED_QUERY"
    assert error.text.startswith(feature) and "not supported" in error.text
