"""Errors raised by the store: a branch of the connector error tree (`connectors.errors`).

StoreError (a ConnectorError)
    The store cannot be opened (invalid or unreachable URL, unsupported backend)
    or a database statement failed. Messages never carry a URL's password.
├── LeaseLost
│       An outcome (done, failed) was reported with an owner for an outbox operation
│       whose unexpired lease another owner holds; nothing was recorded.
├── LockHeld
│       A named lock is held, unexpired, by another owner; `.holder` says by whom.
└── LockLost
        An owner renewed a lock that is no longer its own.

Besides these, KeyError means an unknown outbox key or run id, and ValueError an
argument the store refuses (a naive datetime, an operation enqueued as done).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from connectors.errors import ConnectorError

if TYPE_CHECKING:
    from connectors.store.locks import LockInfo

REDACTED = "***"


class StoreError(ConnectorError):
    """The store could not be opened or a statement against it failed.

    A branch of its own under ConnectorError: neither a service's configuration nor a
    network hiccup, so code that marks a service call failed must let it through."""


class LeaseLost(StoreError):
    """Another owner holds this outbox operation's lease: this owner's outcome was dropped."""

    def __init__(self, key: str, holder: str, expires_at: datetime) -> None:
        self.key = key
        self.holder = holder
        self.expires_at = expires_at
        super().__init__(
            f"outbox operation {key!r} is leased to {holder} until {_utc(expires_at)}; "
            "its outcome was not recorded"
        )

    def __reduce__(self) -> tuple[type[LeaseLost], tuple[str, str, datetime]]:
        """Pickle by the constructor's arguments (results cross process boundaries)."""
        return (type(self), (self.key, self.holder, self.expires_at))


class LockHeld(StoreError):
    """Another owner holds the named lock and its time has not run out."""

    def __init__(self, holder: LockInfo) -> None:
        self.holder = holder
        same_day = holder.expires_at.date() == holder.acquired_at.date()
        until = f"{holder.expires_at:%H:%M:%S} UTC" if same_day else _utc(holder.expires_at)
        super().__init__(
            f'lock "{holder.name}" is held by run {holder.label} (owner {holder.owner}) '
            f"since {_utc(holder.acquired_at)}, until {until}; this run exits without writing"
        )

    def __reduce__(self) -> tuple[type[LockHeld], tuple[LockInfo]]:
        """Pickle by the constructor's arguments (results cross process boundaries)."""
        return (type(self), (self.holder,))


class LockLost(StoreError):
    """The owner renewing a lock no longer holds it (it expired and another took it)."""

    def __init__(self, name: str, owner: str, holder: LockInfo | None) -> None:
        self.name = name
        self.owner = owner
        self.holder = holder
        now_held = "nobody holds it" if holder is None else f"run {holder.label} holds it"
        super().__init__(f'lock "{name}" is no longer held by owner {owner}; {now_held}')

    def __reduce__(self) -> tuple[type[LockLost], tuple[str, str, LockInfo | None]]:
        """Pickle by the constructor's arguments (results cross process boundaries)."""
        return (type(self), (self.name, self.owner, self.holder))


def _utc(moment: datetime) -> str:
    """`2026-12-07 18:02:11 UTC`: how messages show the store's timestamps."""
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


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
