"""Stores and runtimes of the integration tests that run on each store backend (the
fixtures are in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from config.settings import Settings, StoreSettings
from flows.runtime import Runtime

#: Hands out a fresh, empty store URL per name (the same name, the same store).
StoreUrls = Callable[[str], str]


class Runtimes:
    """Opens runtimes against the sandbox and closes them when the test ends: the pooled
    connections of a PostgreSQL store must not outlive its database."""

    def __init__(self) -> None:
        self.opened: list[Runtime] = []

    def on(self, settings: Settings, store_url: str, **salesforce: Any) -> Runtime:
        """A runtime whose store is at `store_url`, with `salesforce` settings changed."""
        tuned = settings.salesforce.model_copy(update=salesforce)
        store = StoreSettings(url=store_url)
        runtime = Runtime(settings.model_copy(update={"store": store, "salesforce": tuned}))
        self.opened.append(runtime)
        return runtime

    def close(self) -> None:
        for runtime in self.opened:
            runtime.close()
