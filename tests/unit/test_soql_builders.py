"""kamsync's SOQL builders: values read back exactly as given, names cannot change a
statement's shape, and no statement is built anywhere but `connectors/salesforce/soql.py`."""

from __future__ import annotations

import ast
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.errors import ConnectorConfigError
from connectors.salesforce.describe import PullPlan
from connectors.salesforce.soql import (
    all_records_query,
    by_ids_query,
    count_query,
    earliest_query,
    select_query,
)
from sandbox.salesforce.soql_ast import Comparison, Literal
from sandbox.salesforce.soql_grammar import parse_soql

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "a'\"\\%_ \n\r\t()=,;ÄЖ🙂" + "Z"


def _plan(name: str = "Account", cursor: str = "SystemModstamp") -> PullPlan:
    return PullPlan(name, ("Id", "Name", cursor), cursor, True, {})


def _hostile_values(count: int, seed: int = 7) -> list[str]:
    chooser = random.Random(seed)
    values = ["' OR Name != '", "x\\' OR Id != '", "') OR (Id != '", "\\", "'", ""]
    values += ["".join(chooser.choices(HOSTILE, k=chooser.randint(1, 12))) for _ in range(count)]
    return values


def test_hostile_ids_read_back_exactly_as_given() -> None:
    ids = _hostile_values(200)
    query = parse_soql(by_ids_query("Account", ["Id", "Name"], ids))
    assert isinstance(query.where, Comparison) and query.where.operator == "IN"
    assert isinstance(query.where.value, tuple)
    assert [literal.value for literal in query.where.value] == ids
    assert query.sobject == "Account"


@pytest.mark.parametrize(
    "name",
    ["Name FROM User WHERE Id != null) --", "Name, (SELECT Id FROM Users)", "Id;", "", "1Name",
     "Na me", "Account.", "Name'"],
)  # fmt: skip
def test_a_name_that_is_not_an_identifier_is_refused_with_the_config_to_check(name: str) -> None:
    for build in (
        lambda: select_query(_plan(), ["Id", name], None, None),
        lambda: select_query(_plan(name=name), ["Id"], None, None),
        lambda: count_query(_plan(cursor=name), datetime(2026, 1, 1, tzinfo=UTC)),
        lambda: by_ids_query(name, ["Id"], ["001"]),
        lambda: all_records_query("Account", [name]),
        lambda: earliest_query(_plan(cursor=name)),
    ):
        with pytest.raises(ConnectorConfigError, match=r"\[salesforce.objects\]"):
            build()


def test_relationship_paths_and_custom_names_are_identifiers() -> None:
    soql = all_records_query("Widget__c", ["Id", "Account__r.Owner.Name", "Kamsync_Key__c"])
    parsed = parse_soql(soql)
    assert parsed.sobject == "Widget__c" and len(parsed.select) == 3


def test_the_window_is_bounded_by_datetime_literals_on_the_cursor() -> None:
    start = datetime(2026, 11, 27, 3, 40, 16, tzinfo=UTC)
    end = datetime(2026, 11, 28, tzinfo=UTC)
    parsed = parse_soql(select_query(_plan(), ["Id", "Name"], start, end))
    assert parsed.where is not None
    comparisons = getattr(parsed.where, "parts", ())
    assert [(c.field.dotted(), c.operator) for c in comparisons] == [
        ("SystemModstamp", ">="),
        ("SystemModstamp", "<"),
    ]
    assert all(isinstance(c.value, Literal) for c in comparisons)
    assert [item.field.dotted() for item in parsed.order_by] == ["SystemModstamp", "Id"]


def _statements_outside_soql_module() -> list[str]:
    """String literals that start a SOQL statement, in connectors/ and flows/ but soql.py."""
    found = []
    for folder in ("connectors", "flows"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "connectors/salesforce/soql.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                    continue
                if re.match(r"\s*SELECT\s", node.value):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:40]!r}")
    return found


def test_soql_is_built_only_in_the_soql_module() -> None:
    assert _statements_outside_soql_module() == []
