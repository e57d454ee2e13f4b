"""Microsoft Graph calls through the O365 connection: JSON helpers, paging, errors.

Everything kamsync sends to Graph (O365's own calls and the ones O365 lacks)
uses the connection from `open_account`, so auth renewal and throttling are
shared, and failures surface as `connectors.errors` types naming the call.
Requests addressing one mailbox (`/users/{upn}/...`) are capped at
`max_concurrency_per_mailbox` in flight per process, as Outlook demands. What
becomes of a failed request (repeated, token renewed once, raised) is decided by
the error policy table in connectors/m365/policy.py, carried out by retry.py.

One client is shared by the threads of a fan-out (flows/fanout.py): the
mailbox slots, the request counts and token renewal are guarded by locks, so
counts lose no increment and several requests refused with the same stale
token lead to one renewal, not one each.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

import requests
from O365 import Account
from requests.adapters import HTTPAdapter

from config.settings import M365Settings
from connectors.m365.connection import open_account
from connectors.m365.errors import GraphError
from connectors.m365.policy import Where
from connectors.m365.retry import Call, execute

T = TypeVar("T")
Json = dict[str, Any]

__all__ = ["GraphClient", "GraphError", "Json", "mailbox_of", "share_session"]

_MAILBOX = re.compile(r"(?:^|/)users/([^/?#]+)", re.IGNORECASE)
#: HTTPS connections kept for reuse: one per request a fan-out has in flight.
POOL_CONNECTIONS = 32


def mailbox_of(url: str) -> str | None:
    """The mailbox a Graph URL addresses (`/users/{upn}/...`), lower-cased; None for others."""
    path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    found = _MAILBOX.search(path)
    return unquote(found.group(1)).lower() if found else None


class GraphClient:
    """The app's authenticated view of the tenant, for all mailboxes."""

    def __init__(self, settings: M365Settings, account: Account | None = None) -> None:
        self.settings = settings
        if account is None:
            account = open_account(settings)
            share_session(account)
        self.account = account
        self.root = str(settings.graph_url).rstrip("/") + "/v1.0"
        #: Token renewals forced by Graph answering 401 InvalidAuthenticationToken.
        self.renewals = 0
        self.max_concurrency_per_mailbox = settings.max_concurrency_per_mailbox
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._slots_lock = threading.Lock()
        self._calls = 0
        self._calls_lock = threading.Lock()
        self._thread = threading.local()
        self._renew_lock = threading.Lock()
        #: bumped by each renewal, so a request refused with an older token need not renew
        self._token_generation = 0
        #: answers fetched ahead (through $batch) for the next GET of exactly that URL
        self._fetched: dict[str, Json] = {}

    @property
    def calls(self) -> int:
        """Graph requests this client made, from every thread."""
        return self._calls

    @property
    def token_generation(self) -> int:
        """Renewals so far; a request sent before a renewal carries an older generation."""
        return self._token_generation

    def thread_calls(self) -> int:
        """Graph requests this client made from the calling thread (one task's share)."""
        return int(getattr(self._thread, "calls", 0))

    def count_call(self) -> None:
        """Count one request about to be sent (in `calls` and the thread's own count)."""
        with self._calls_lock:
            self._calls += 1
        self._thread.calls = self.thread_calls() + 1

    def keep_answer(self, url: str, body: Json) -> None:
        """Serve `body` to the next `get(url)` without params instead of asking Graph again."""
        self._fetched[url] = body

    def user_path(self, mailbox: str) -> str:
        return f"{self.root}/users/{quote(mailbox)}"

    def get(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        *,
        where: Where = Where.REQUEST,
    ) -> Json:
        kept = None if params else self._fetched.pop(url, None)
        if kept is not None:
            return kept
        extra: dict[str, Any] = {"headers": dict(headers)} if headers else {}
        return self.request("GET", url, params=params, where=where, **extra).json()

    def post(self, url: str, body: Json, *, idempotent: bool | None = None) -> requests.Response:
        """POST JSON; `idempotent=True` when a repeat is harmless (an idempotency key)."""
        return self.request("POST", url, idempotent=idempotent, data=body)

    def patch(self, url: str, body: Json) -> requests.Response:
        return self.request("PATCH", url, idempotent=True, data=body)

    def delete(self, url: str) -> requests.Response:
        return self.request("DELETE", url)

    def pages(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Iterator[list[Json]]:
        """Yield `value` arrays, following `@odata.nextLink` until the last page."""
        page = self.get(url, params, headers)
        while True:
            yield page.get("value", [])
            next_link = page.get("@odata.nextLink")
            if not next_link:
                return
            page = self.get(next_link, headers=headers)

    def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool | None = None,
        where: Where = Where.REQUEST,
        **kwargs: Any,
    ) -> requests.Response:
        """One Graph request via O365's connection, failures handled by the error policy."""
        send = getattr(self.account.con, method.lower())
        return self.guard(
            lambda: send(url, **kwargs),
            method=method,
            what=f"{method} {url}",
            mailbox=mailbox_of(url),
            idempotent=idempotent,
            where=where,
        )

    def guard(
        self,
        call: Callable[[], T],
        *,
        method: str,
        what: str,
        mailbox: str | None = None,
        idempotent: bool | None = None,
        where: Where = Where.REQUEST,
    ) -> T:
        """Run an O365 call under the Graph error policy (connectors/m365/policy.py): repeated,
        token renewed or raised as a `connectors.errors` type naming `what`, as it decides."""
        sent_with = self._token_generation

        def counted() -> T:
            nonlocal sent_with
            with self._slot(mailbox):
                self.count_call()
                sent_with = self._token_generation
                return call()

        def renew() -> None:
            self.renew_token(refused_generation=sent_with)

        return execute(counted, Call(what, method, where, idempotent), renew=renew)

    def renew_token(self, refused_generation: int | None = None) -> None:
        """Drop the cached app token and get a new one (Graph refused the current one).

        With `refused_generation` (the token generation the refused request was sent
        with), nothing is done when another thread has renewed the token since.
        """
        with self._renew_lock:
            if refused_generation is not None and refused_generation != self._token_generation:
                return
            connection = self.account.con
            connection.msal_client.remove_tokens_for_client()
            connection.refresh_token()
            self._token_generation += 1
            self.renewals += 1

    def _slot(self, mailbox: str | None) -> threading.BoundedSemaphore | _NoSlot:
        if mailbox is None:
            return _NoSlot()
        with self._slots_lock:
            slot = self._slots.get(mailbox)
            if slot is None:
                slot = threading.BoundedSemaphore(self.max_concurrency_per_mailbox)
                self._slots[mailbox] = slot
        return slot


def share_session(account: Account) -> None:
    """Make the signed-in session now, not on the first request (where threads sharing the
    account would race to make it), with a connection pool sized for a fan-out."""
    connection = account.con
    session = connection.get_session(load_token=True)
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_CONNECTIONS)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    connection.session = session


class _NoSlot:
    """A context manager that holds nothing (requests addressing no mailbox)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None
