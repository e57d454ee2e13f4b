"""Errors raised by the store.

StoreError
    The store cannot be opened (invalid or unreachable URL, unsupported backend)
    or a database statement failed. Messages never carry a URL's password.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

REDACTED = "***"


class StoreError(Exception):
    """The store could not be opened or a statement against it failed."""


def store_error(action: str, url: str, exc: BaseException) -> StoreError:
    """A StoreError saying what failed where, with the URL's password removed everywhere."""
    reason = str(getattr(exc, "orig", None) or exc)
    password = _password(url)
    if password:
        reason = reason.replace(password, REDACTED)
    return StoreError(f"{action} {redact_url(url)}: {reason}")


def redact_url(url: str) -> str:
    """Return `url` with its password replaced by `***`, even when it does not parse."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _redact_unparsed(url)


def _password(url: str) -> str | None:
    """The password in `url`, parsed by SQLAlchemy when possible."""
    try:
        return make_url(url).password
    except (ArgumentError, ValueError):
        return urlsplit(url).password


def _redact_unparsed(url: str) -> str:
    """Blank the password of a URL SQLAlchemy rejected (bad port, unknown form)."""
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{REDACTED}@{hostport}"))
