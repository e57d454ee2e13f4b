"""Microsoft Graph calls through the O365 connection: JSON helpers, paging, errors.

Everything kamsync sends to Graph (O365's own calls and the ones O365 lacks)
uses the connection from `open_account`, so auth renewal and throttling are
shared, and failures surface as `connectors.errors` types naming the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from O365 import Account

from config.settings import M365Settings
from connectors.errors import ConnectorConfigError, ConnectorError, FatalError, redact
from connectors.m365.connection import open_account
from connectors.m365.retry import with_throttling

T = TypeVar("T")
Json = dict[str, Any]


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
        self.account = account or open_account(settings)
        self.root = str(settings.graph_url).rstrip("/") + "/v1.0"
        #: Graph requests this client made.
        self.calls = 0

    def user_path(self, mailbox: str) -> str:
        return f"{self.root}/users/{quote(mailbox)}"

    def get(
        self, url: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Json:
        extra = {"headers": dict(headers)} if headers else {}
        return self.request("GET", url, params=params, **extra).json()

    def post(self, url: str, body: Json) -> requests.Response:
        return self.request("POST", url, data=body)

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

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One Graph request via O365's connection, throttling handled."""
        send = getattr(self.account.con, method.lower())
        return self.guard(lambda: send(url, **kwargs), method=method, what=f"{method} {url}")

    def guard(self, call: Callable[[], T], *, method: str, what: str) -> T:
        """Run an O365 call with kamsync's throttling policy and error types."""

        def counted() -> T:
            self.calls += 1
            return call()

        try:
            return with_throttling(counted, method=method)
        except requests.HTTPError as exc:
            raise _graph_error(exc, what) from None
        except ConnectorError:
            raise
        except requests.RequestException as exc:
            raise FatalError(f"Microsoft Graph {what} failed: {redact(str(exc))}") from None


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
