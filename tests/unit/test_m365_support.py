"""A GraphClient wired to the in-process Graph stand-in, for connector unit tests.

Not a test module itself. The fake sits at O365's connection point: its
get/post/patch/delete behave like `O365.connection.Connection`'s (JSON bodies,
`requests.HTTPError` for 4xx/5xx) but travel through Starlette's TestClient,
and its token renewal asks the stand-in's token endpoint, as msal would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import requests
from O365 import Account
from pydantic import SecretStr
from requests.structures import CaseInsensitiveDict

from config.settings import M365Settings
from connectors.m365.client import GraphClient
from sandbox.graph.limits import LimitSettings
from tests.unit.test_sandbox_graph_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    TENANT_DOMAIN,
    TENANT_ID,
    TestClient,
    fetch_token,
    seeded_app,
)

ALICE = f"alice@{TENANT_DOMAIN}"
BOB = f"bob@{TENANT_DOMAIN}"
GRAPH_URL = "https://graph.test"


class _Tokens:
    """Stands in for msal's client: `remove_tokens_for_client` drops the cached token."""

    def __init__(self) -> None:
        self.removed = 0

    def remove_tokens_for_client(self) -> None:
        self.removed += 1


class FakeConnection:
    """O365's Connection surface kamsync uses, over the in-process stand-in."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.msal_client = _Tokens()
        self.sent: list[tuple[str, str]] = []
        self.refresh_token()

    def refresh_token(self) -> bool:
        self.client.headers["Authorization"] = f"Bearer {fetch_token(self.client)}"
        return True

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        self.sent.append((method, url))
        data = kwargs.pop("data", None)
        headers = dict(kwargs.pop("headers", None) or {})
        content = None
        if data is not None:
            content = json.dumps(data).encode()
            headers.setdefault("Content-Type", "application/json")
        answer = self.client.request(
            method, url, params=kwargs.get("params"), headers=headers, content=content
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers = CaseInsensitiveDict(answer.headers)
        response.url = str(answer.url)
        response.raise_for_status()
        return response

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> requests.Response:
        return self._request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self._request("DELETE", url, **kwargs)


class FakeAccount:
    def __init__(self, connection: FakeConnection) -> None:
        self.con = connection


def m365_settings() -> M365Settings:
    return M365Settings(
        graph_url=GRAPH_URL,  # type: ignore[arg-type]
        tenant_id=TENANT_ID,
        client_id=CLIENT_ID,
        client_secret=SecretStr(CLIENT_SECRET),
        mailboxes=[ALICE],
    )


@contextmanager
def graph_client(
    tmp_path: Path, limits: LimitSettings | None = None
) -> Iterator[tuple[GraphClient, TestClient]]:
    """A GraphClient over a fresh seeded stand-in, and a raw client of that stand-in."""
    app, store = seeded_app(tmp_path, limits=limits)
    with TestClient(app, base_url=GRAPH_URL) as raw:
        connection = FakeConnection(raw)
        yield GraphClient(m365_settings(), account=cast(Account, FakeAccount(connection))), raw
    store.close()
