"""Microsoft Graph calls through the O365 connection: JSON helpers, paging, errors.

Everything kamsync sends to Graph (O365's own calls and the ones O365 lacks)
uses the connection from `open_account`, so auth renewal and throttling are
shared, and failures surface as `connectors.errors` types naming the call.
Requests addressing one mailbox (`/users/{upn}/...`) are capped at
`max_concurrency_per_mailbox` in flight per process, as Outlook demands; a
token Graph calls invalid (expired or revoked early) is renewed once.

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
from connectors.errors import ConnectorConfigError, ConnectorError, FatalError, redact
from connectors.m365.connection import open_account
from connectors.m365.retry import with_throttling

T = TypeVar("T")
Json = dict[str, Any]

_MAILBOX = re.compile(r"(?:^|/)users/([^/?#]+)", re.IGNORECASE)
INVALID_TOKEN = "InvalidAuthenticationToken"
#: HTTPS connections kept for reuse: one per request a fan-out has in flight.
POOL_CONNECTIONS = 32


def mailbox_of(url: str) -> str | None:
    """The mailbox a Graph URL addresses (`/users/{upn}/...`), lower-cased; None for others."""
    path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    found = _MAILBOX.search(path)
    return unquote(found.group(1)).lower() if found else None


class GraphError(FatalError):
    """Graph answered an error for a call kamsync cannot work around."""

    def __init__(self, message: str, status: int, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


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
        self, url: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Json:
        kept = None if params else self._fetched.pop(url, None)
        if kept is not None:
            return kept
        extra: dict[str, Any] = {"headers": dict(headers)} if headers else {}
        return self.request("GET", url, params=params, **extra).json()

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
        self, method: str, url: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """One Graph request via O365's connection, throttling handled."""
        send = getattr(self.account.con, method.lower())
        return self.guard(
            lambda: send(url, **kwargs),
            method=method,
            what=f"{method} {url}",
            mailbox=mailbox_of(url),
            idempotent=idempotent,
        )

    def guard(
        self,
        call: Callable[[], T],
        *,
        method: str,
        what: str,
        mailbox: str | None = None,
        idempotent: bool | None = None,
    ) -> T:
        """Run an O365 call with kamsync's throttling policy, token renewal and error types."""

        def counted() -> T:
            with self._slot(mailbox):
                self.count_call()
                return call()

        try:
            generation = self._token_generation
            try:
                return with_throttling(counted, method=method, idempotent=idempotent)
            except requests.HTTPError as exc:
                if not _invalid_token(exc):
                    raise
                self.renew_token(refused_generation=generation)
                return with_throttling(counted, method=method, idempotent=idempotent)
        except requests.HTTPError as exc:
            raise _graph_error(exc, what) from None
        except ConnectorError:
            raise
        except requests.RequestException as exc:
            raise FatalError(f"Microsoft Graph {what} failed: {redact(str(exc))}") from None

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


def _invalid_token(exc: requests.HTTPError) -> bool:
    response = exc.response
    if response is None or response.status_code != 401:
        return False
    try:
        return bool(response.json().get("error", {}).get("code") == INVALID_TOKEN)
    except ValueError:
        return False


def _graph_error(exc: requests.HTTPError, what: str) -> ConnectorError:
    response = exc.response
    status = response.status_code if response is not None else 0
    try:
        error = response.json().get("error", {}) if response is not None else {}
    except ValueError:
        error = {}
    code = str(error.get("code", "")) or str(status)
    message = redact(f"Microsoft Graph {what} answered {status} {code}: {error.get('message', '')}")
    if status in (401, 403):
        return ConnectorConfigError(message + " (check the app's permissions and consent)")
    return GraphError(message, status, code)
