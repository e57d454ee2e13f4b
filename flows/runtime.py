"""What one run holds: settings, its lease owner, the store and lazily opened service clients.

A `Runtime` is shared by the threads of a fan-out (flows/fanout.py) and crosses
to Dask worker processes as its settings and lease owner alone: there it is
rebuilt over that process's `Connections` for the settings (one store, one
sign-in per service, made on first use and kept for every later task), so a
worker signs in once, not once per task. Requests a task makes there are
counted by those connections; the fan-out brings each task's counts back
(`thread_calls`) and `absorb`s them, so the flow's `api_calls()` is the run's total.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import uuid4

from pydantic import SecretStr

from config.settings import Settings
from connectors.m365 import GraphClient
from connectors.salesforce import SalesforceClient
from connectors.store import Store

C = TypeVar("C")
SERVICES = ("salesforce", "graph")


def trust_ca_bundle(settings: Settings) -> None:
    """Make requests (simple-salesforce, O365, msal) trust the configured CA bundle.

    requests lets `REQUESTS_CA_BUNDLE` override a session's `verify`, and this
    kind of machine sets it globally, so the bundle is installed there.
    """
    bundle = settings.http.ca_bundle
    if bundle is not None:
        os.environ["REQUESTS_CA_BUNDLE"] = str(bundle)
        os.environ["CURL_CA_BUNDLE"] = str(bundle)


class Connections:
    """The store and the service clients for one set of settings; each client is opened
    once, by one thread, however many ask at the same time."""

    def __init__(self, settings: Settings) -> None:
        trust_ca_bundle(settings)
        self.settings = settings
        self.store = Store(settings.store.url)
        #: tells these connections from their copies in other processes
        self.id = uuid4().hex
        self.clients: dict[str, Any] = {}
        self._opening = threading.Lock()

    def client(self, service: str, open_client: Callable[[], C]) -> C:
        client = self.clients.get(service)
        if client is None:
            with self._opening:
                client = self.clients.get(service)
                if client is None:
                    client = self.clients[service] = open_client()
        return client  # type: ignore[no-any-return]


class Runtime:
    """Connections for one run; each service is signed in to on first use."""

    def __init__(
        self,
        settings: Settings,
        lease_owner: str | None = None,
        *,
        connections: Connections | None = None,
    ) -> None:
        self.settings = settings
        #: whom the outbox operations this run claims are leased to
        self.lease_owner = lease_owner or f"kamsync-{uuid4().hex}"
        #: the store's run row of this run (its own calls are not "earlier runs'")
        self.run_id: int | None = None
        self.connections = connections or Connections(settings)
        self._elsewhere: Counter[str] = Counter()
        self._elsewhere_lock = threading.Lock()

    def __reduce__(self) -> tuple[Callable[..., Runtime], tuple[Settings, str]]:
        """Pickled as settings and lease owner; unpickled over the receiving process's
        connections for those settings."""
        return runtime_in_this_process, (self.settings, self.lease_owner)

    @property
    def store(self) -> Store:
        return self.connections.store

    @property
    def lease_seconds(self) -> float:
        """How long the run's claims on outbox operations (and its lock) last unrenewed."""
        return self.settings.runtime.lock_timeout_minutes * 60

    @property
    def salesforce(self) -> SalesforceClient:
        return self.connections.client(
            "salesforce",
            lambda: SalesforceClient(
                self.settings.salesforce, spent_today=self.calls_today("salesforce")
            ),
        )

    @property
    def graph(self) -> GraphClient:
        return self.connections.client("graph", lambda: GraphClient(self.settings.m365))

    def calls_today(self, service: str) -> int:
        """API calls other runs made to `service` since 00:00 UTC (the daily budget): finished
        ones, and running or crashed ones as far as they recorded them."""
        runs = self.store.runs()
        today = datetime.now(UTC).date()
        others = runs[runs["id"] != self.run_id]
        if others.empty:
            return 0
        started_today = others[others["started_at"].map(lambda at: at.date() == today).astype(bool)]
        return int(
            sum(
                (summary or {}).get("api_calls", {}).get(service, 0)
                for summary in started_today["summary"]
            )
        )

    def thread_calls(self) -> dict[str, int]:
        """Requests the calling thread made through these connections so far, per service
        (one fanned-out task's share: a mailbox's pull or push, an object's pull)."""
        clients = self.connections.clients
        return {service: clients[service].thread_calls() if service in clients else 0
                for service in SERVICES}  # fmt: skip

    def absorb(self, calls: Mapping[str, int]) -> None:
        """Add requests counted by this run's connections in another process."""
        with self._elsewhere_lock:
            self._elsewhere.update({service: n for service, n in calls.items() if n})

    def api_calls(self) -> dict[str, int]:
        """Requests made so far per service, here and by tasks in other processes."""
        clients = self.connections.clients
        return {
            service: (clients[service].calls if service in clients else 0)
            + self._elsewhere[service]
            for service in SERVICES
        }

    def close(self) -> None:
        self.store.close()


_in_this_process: dict[str, Connections] = {}
_in_this_process_lock = threading.Lock()


def runtime_in_this_process(settings: Settings, lease_owner: str | None = None) -> Runtime:
    """A Runtime over this process's connections for `settings`, made on first use and kept
    for later tasks (and runs)."""
    key = _settings_key(settings)
    with _in_this_process_lock:
        connections = _in_this_process.get(key)
        if connections is None:
            connections = _in_this_process[key] = Connections(settings)
    return Runtime(settings, lease_owner, connections=connections)


def _settings_key(settings: Settings) -> str:
    """The settings as text, secrets included (two configs differing only in a secret differ)."""
    return json.dumps(settings.model_dump(), sort_keys=True, default=_plain)


def _plain(value: object) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)
