"""Composite references: `@{referenceId.field}` and `@{referenceId.records[0].Id}`
in a later subrequest's URL or body, read from an earlier subrequest's response.

A reference is `@{` name, then `.field` and `[index]` steps, then `}`. Field names
are case-sensitive (`@{refAccount.id}` after a create, `.Id` after a GET). A
string that is exactly one reference takes the referenced value with its JSON
type; references inside longer text are replaced by the value as text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

OPEN, CLOSE = "@{", "}"


def valid_reference_id(name: str) -> bool:
    """Letters, digits and underscores, starting with a letter or digit."""
    return (
        bool(name)
        and name[0].isascii()
        and name[0].isalnum()
        and all(char.isascii() and (char.isalnum() or char == "_") for char in name)
    )


class Unresolved(Exception):
    """A reference with no value; the subrequest fails with PROCESSING_HALTED."""

    def __init__(self, expression: str) -> None:
        name = _name_of(expression)
        super().__init__(
            f"Invalid reference specified. No value for {expression} found in {name}. "
            f"Provided referenceId ('{expression}') must start with a letter or a number, "
            "and it can contain only letters, numbers and underscores ('_')."
        )


def _name_of(expression: str) -> str:
    ends = [at for at in (expression.find("."), expression.find("[")) if at >= 0]
    return expression[: min(ends)] if ends else expression


def _steps(expression: str) -> list[str | int]:
    """The `.field` and `[index]` steps after the reference's name."""
    steps: list[str | int] = []
    rest = expression[len(_name_of(expression)) :]
    while rest:
        if rest[0] == ".":
            ends = [at for at in (rest.find(".", 1), rest.find("[", 1)) if at >= 0]
            end = min(ends) if ends else len(rest)
            steps.append(rest[1:end])
            rest = rest[end:]
        elif rest[0] == "[" and "]" in rest:
            index, _, rest = rest[1:].partition("]")
            if not index.isdigit():
                raise Unresolved(expression)
            steps.append(int(index))
        else:
            raise Unresolved(expression)
    return steps


def resolve(expression: str, responses: Mapping[str, Any]) -> Any:
    """The value an expression (`name.step...`, without `@{}`) points at."""
    name = _name_of(expression)
    if name not in responses:
        raise Unresolved(expression)
    value = responses[name]
    for step in _steps(expression):
        if isinstance(step, int):
            present = isinstance(value, list) and step < len(value)
        else:
            present = isinstance(value, dict) and step in value
        if not present:
            raise Unresolved(expression)
        value = value[step]
    return value


def _single_reference(text: str) -> str | None:
    """The expression when the whole text is one `@{...}` reference, else None."""
    inner = text[len(OPEN) : -len(CLOSE)]
    whole = text.startswith(OPEN) and text.endswith(CLOSE)
    return inner if whole and OPEN not in inner and CLOSE not in inner else None


def _replace(text: str, responses: Mapping[str, Any], as_text: Callable[[Any], str]) -> str:
    """The text with each `@{...}` replaced by `as_text` of its value."""
    pieces = []
    start = text.find(OPEN)
    while start >= 0:
        end = text.find(CLOSE, start)
        if end < 0:
            break
        pieces.append(text[:start] + as_text(resolve(text[start + len(OPEN) : end], responses)))
        text = text[end + len(CLOSE) :]
        start = text.find(OPEN)
    return "".join(pieces) + text


def _text(value: Any) -> str:
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def substitute_body(body: Any, responses: Mapping[str, Any]) -> Any:
    """The body with every reference in its strings replaced."""
    if isinstance(body, str):
        if OPEN not in body:
            return body
        expression = _single_reference(body)
        return (
            _replace(body, responses, _text)
            if expression is None
            else resolve(expression, responses)
        )
    if isinstance(body, list):
        return [substitute_body(item, responses) for item in body]
    if isinstance(body, dict):
        return {key: substitute_body(value, responses) for key, value in body.items()}
    return body


def substitute_url(url: str, responses: Mapping[str, Any]) -> str:
    """The URL with every reference replaced by its value, percent-encoded."""
    return _replace(url, responses, lambda value: quote(_text(value), safe=""))
