"""The Salesforce connector's shape: modules without import loops, flows through the
package face only, no error decision outside the policy table; and the store's
errors as a branch of the connector error tree."""

from __future__ import annotations

import ast
import pickle
from datetime import UTC, datetime
from pathlib import Path

from connectors.errors import ConnectorConfigError, ConnectorError, FatalError, RetriableError
from connectors.salesforce.policy import RULES
from connectors.store import LeaseLost, LockHeld, LockInfo, StoreError

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "connectors" / "salesforce"


def _imports(path: Path) -> set[str]:
    """Modules of connectors.salesforce a file imports, anywhere in it (deferred too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("connectors.salesforce.")}


def _cycle() -> list[str]:
    graph = {
        f"connectors.salesforce.{path.stem}": _imports(path)
        for path in PACKAGE.glob("*.py")
        if path.stem != "__init__"
    }
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> list[str]:
        if module in trail:
            return [*trail[trail.index(module) :], module]
        if module in done:
            return []
        for imported in sorted(graph.get(module, ())):
            loop = visit(imported, [*trail, module])
            if loop:
                return loop
        done.add(module)
        return []

    for module in sorted(graph):
        loop = visit(module, [])
        if loop:
            return loop
    return []


def test_the_connector_modules_import_each_other_without_a_loop() -> None:
    assert _cycle() == []


def test_flows_use_the_salesforce_package_face_only() -> None:
    internals = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "flows").rglob("*.py"))
        for module in sorted(_imports(path))
    ]
    assert internals == []


def _strings(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module's code (docstrings left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, documented) and node.body and isinstance(node.body[0], ast.Expr)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]  # fmt: skip


def test_no_error_code_of_the_table_is_matched_outside_it() -> None:
    codes = {rule.code for rule in RULES if rule.code}
    assert "UNABLE_TO_LOCK_ROW" in codes and "REQUEST_LIMIT_EXCEEDED" in codes
    matched = [
        f"{path.name}:{line}: {text[:60]!r}"
        for path in sorted(PACKAGE.glob("*.py"))
        if path.name != "policy.py"
        for line, text in _strings(path)
        if any(code in text for code in codes)
    ]
    assert matched == []


def test_store_errors_are_connector_errors_that_still_cross_processes() -> None:
    held = LockHeld(LockInfo("cycle", "host:1", "run-7", datetime(2026, 12, 7, 8, tzinfo=UTC),
                             datetime(2026, 12, 7, 9, tzinfo=UTC)))  # fmt: skip
    lost = LeaseLost("todo:1", "host:2", datetime(2026, 12, 7, 9, tzinfo=UTC))
    for error in (held, lost, StoreError("database is locked")):
        assert isinstance(error, ConnectorError)
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
    assert not isinstance(held, (ConnectorConfigError, RetriableError, FatalError))
