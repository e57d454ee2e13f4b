"""What one cycle run holds: settings, the store and lazily opened service clients."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from config.settings import Settings
from connectors.m365 import GraphClient
from connectors.salesforce import SalesforceClient
from connectors.store import Store


def trust_ca_bundle(settings: Settings) -> None:
    """Make requests (simple-salesforce, O365, msal) trust the configured CA bundle.

    requests lets `REQUESTS_CA_BUNDLE` override a session's `verify`, and this
    kind of machine sets it globally, so the bundle is installed there.
    """
    bundle = settings.http.ca_bundle
    if bundle is not None:
        os.environ["REQUESTS_CA_BUNDLE"] = str(bundle)
        os.environ["CURL_CA_BUNDLE"] = str(bundle)


@dataclass
class Runtime:
    """Connections for one run; each service is signed in to on first use."""

    settings: Settings
    store: Store = field(init=False)

    def __post_init__(self) -> None:
        trust_ca_bundle(self.settings)
        self.store = Store(self.settings.store.url)

    @cached_property
    def salesforce(self) -> SalesforceClient:
        return SalesforceClient(
            self.settings.salesforce, spent_today=self.calls_today("salesforce")
        )

    def calls_today(self, service: str) -> int:
        """API calls earlier runs made to `service` since 00:00 UTC (the daily budget)."""
        runs = self.store.runs()
        if runs.empty:
            return 0
        today = datetime.now(UTC).date()
        started_today = runs[runs["started_at"].map(lambda at: at.date() == today)]
        return int(
            sum(
                (summary or {}).get("api_calls", {}).get(service, 0)
                for summary in started_today["summary"]
            )
        )

    @cached_property
    def graph(self) -> GraphClient:
        return GraphClient(self.settings.m365)

    def api_calls(self) -> dict[str, int]:
        """Requests made so far per service (0 for a service not used)."""
        opened = self.__dict__
        return {
            "salesforce": opened["salesforce"].calls if "salesforce" in opened else 0,
            "graph": opened["graph"].calls if "graph" in opened else 0,
        }

    def close(self) -> None:
        self.store.close()
