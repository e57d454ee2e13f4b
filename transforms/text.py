"""CRM text made safe to show: control characters out, titles clipped, formulas recognised."""

from __future__ import annotations

import re
from typing import Any

#: To Do shows a title on one line; Outlook task subjects and Planner titles stop at 255.
MAX_TITLE_CHARS = 255
ELLIPSIS = "…"
# C0 and C1 control characters, DEL included; tab and line feed are kept where text may wrap.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\r\n\u2028\u2029]+")
# What spreadsheets read as a formula or a DDE call when text is typed or imported as CSV.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


def has_control_characters(text: str) -> bool:
    """True when `text` holds characters no one can see (NUL, BEL, ESC, …)."""
    return bool(_CONTROL.search(text))


def strip_control(text: str) -> str:
    """`text` without control characters (tab and line feed kept)."""
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    """`text` on one line: control characters dropped, line breaks and tabs made spaces."""
    return strip_control(_LINE_BREAKS.sub(" ", text)).strip()


def clip(text: str, limit: int = MAX_TITLE_CHARS) -> str:
    """`text` cut to `limit` characters, the last one an ellipsis when anything was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def task_title(text: str) -> str:
    """What a To Do task is called: one line of at most MAX_TITLE_CHARS characters."""
    return clip(one_line(text)) or "(no subject)"


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would take `text` for a formula (=, +, -, @ first)."""
    return text.lstrip(" ").startswith(_FORMULA_START) and len(text.strip()) > 1


def has_markup(text: str) -> bool:
    """True when `text` holds HTML tags such as <script> or <b>."""
    return bool(_HTML.search(text))


def excerpt(value: Any, limit: int = 60) -> str:
    """A short printable rendering of a bad value for the data-issues table."""
    text = str(value)
    if has_control_characters(text) or "\n" in text:
        text = repr(text)[1:-1]
    return clip(text, limit)
