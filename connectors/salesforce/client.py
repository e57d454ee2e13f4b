"""A Salesforce REST client: simple-salesforce plus auth renewal, retries and usage.

All calls go through `SalesforceClient.call`, which checks the API budget, keeps
the org's `Sforce-Limit-Info` figures and hands failures to the error policy
(`policy.py`, carried out by `retry.py`): retried, session renewed once, or
turned into a `connectors.errors` type with a message naming the call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import requests
from simple_salesforce import Salesforce

from config.settings import SalesforceSettings
from connectors.errors import ConnectorError, FatalError
from connectors.salesforce.auth import fetch_token
from connectors.salesforce.budget import ApiBudget
from connectors.salesforce.describe import ObjectDescription
from connectors.salesforce.http import TimeoutSession
from connectors.salesforce.retry import run_call

T = TypeVar("T")
Record = dict[str, Any]


class SalesforceClient:
    """One authenticated connection to an org, shared by every pull of a run."""

    def __init__(
        self,
        settings: SalesforceSettings,
        http: requests.Session | None = None,
        *,
        spent_today: int = 0,
    ) -> None:
        self._settings = settings
        self._http = http or TimeoutSession(settings.timeout_seconds)
        self._session = fetch_token(settings, self._http)
        self._sf = self._build()
        self._descriptions: dict[str, ObjectDescription] = {}
        self._missing: dict[str, ConnectorError] = {}
        self.budget = ApiBudget(settings.api_budget_share, spent_today)
        self._calls = 0
        self._calls_lock = threading.Lock()
        self._thread = threading.local()
        #: bumped by each renewal, so threads refused together sign in once
        self._generation = 0
        self._renew_lock = threading.Lock()
        #: how the client waits between retries (tests pass a recorder)
        self.sleep: Callable[[float], None] = time.sleep

    @property
    def calls(self) -> int:
        """API calls this client made (each REST request counts one), from every thread."""
        return self._calls

    def thread_calls(self) -> int:
        """API calls this client made from the calling thread (one object's pull)."""
        return int(getattr(self._thread, "calls", 0))

    @property
    def instance_url(self) -> str:
        return self._session.instance_url

    @property
    def api_usage(self) -> tuple[int, int] | None:
        """(used, daily limit) as the org last reported them, if it did."""
        usage = self._sf.api_usage.get("api-usage")
        return (usage.used, usage.total) if usage is not None else None

    def query_pages(
        self,
        soql: str,
        *,
        include_deleted: bool = False,
        first_page: Record | None = None,
        can_split: bool = False,
    ) -> Iterator[list[Record]]:
        """Yield the records of a SOQL query page by page (`nextRecordsUrl` paging).

        `first_page` is the query's first answer when it came another way (Composite).
        With `can_split`, a query the org times out on raises QueryTimeout at once
        (the caller narrows it); otherwise it is retried first.
        """
        headers = {"Sforce-Query-Options": f"batchSize={self._settings.query_batch_size}"}
        what = f"query of {_subject(soql)}"
        page = first_page or self.call(
            lambda sf: sf.query(
                soql, include_deleted=include_deleted, timeout=self._timeout, headers=headers
            ),
            what=what,
            can_split=can_split,
        )
        while True:
            yield [_without_attributes(record) for record in page["records"]]
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return
            page = self.call(partial(self._query_more, next_url), what=f"next page of {what}")

    def count(self, soql: str) -> int:
        """`totalSize` of a `SELECT COUNT() ...` query."""
        answer = self.call(
            lambda sf: sf.query(soql, timeout=self._timeout), what=f"count of {_subject(soql)}"
        )
        return int(answer["totalSize"])

    def remember_description(self, description: ObjectDescription) -> None:
        """Cache a describe fetched elsewhere (several at once through Composite)."""
        self._descriptions[description.name] = description

    def remember_missing(self, sobject: str, error: ConnectorError) -> None:
        """Cache why an object cannot be described (absent, not readable): `describe` raises it."""
        self._missing[sobject] = error

    def describe(self, sobject: str) -> ObjectDescription:
        """The object's describe, fetched once per client (per run)."""
        if sobject in self._missing:
            known = self._missing[sobject]
            raise type(known)(str(known))
        if sobject not in self._descriptions:
            path = f"sobjects/{sobject}/describe"
            payload = self.call(
                lambda sf: sf.restful(path, timeout=self._timeout), what=f"describe {sobject}"
            )
            if not isinstance(payload, dict):
                raise FatalError(f"Salesforce describe of {sobject} returned no object")
            self._descriptions[sobject] = ObjectDescription.from_describe(payload)
        return self._descriptions[sobject]

    @property
    def api_version(self) -> str:
        return self._settings.api_version

    @property
    def sf(self) -> Salesforce:
        """The simple-salesforce client of the current session (for `call` actions)."""
        return self._sf

    def _query_more(self, next_url: str, sf: Salesforce) -> Any:
        return sf.query_more(next_url, identifier_is_url=True, timeout=self._timeout)

    @property
    def _timeout(self) -> float:
        return self._settings.timeout_seconds

    def _build(self) -> Salesforce:
        return Salesforce(
            instance_url=self._session.instance_url,
            session_id=self._session.access_token,
            version=self._settings.api_version,
            session=self._http,
        )

    def renew(self) -> None:
        """Sign in again (the org refused the session) and rebuild the library client;
        nothing to do when another thread renewed since this thread's refused call."""
        with self._renew_lock:
            if getattr(self._thread, "generation", self._generation) != self._generation:
                return
            self._session = fetch_token(self._settings, self._http)
            self._sf = self._build()
            self._generation += 1

    def call(
        self, action: Callable[[Salesforce], T], *, what: str = "API call", can_split: bool = False
    ) -> T:
        """Run one API call (`what` names it in messages): budget checked, then retried,
        renewed or stopped as the error policy decides (`retry.run_call`)."""

        def counted() -> T:
            with self._calls_lock:  # objects are pulled from several threads at once
                self.budget.check(self._calls)
                self._calls += 1
            self._thread.calls = self.thread_calls() + 1
            self._thread.generation = self._generation
            try:
                return action(self._sf)
            finally:
                self.budget.observe(self.api_usage)

        return run_call(counted, call=what, renew=self.renew, sleep=self.sleep, can_split=can_split)


def _without_attributes(record: Record) -> Record:
    return {key: value for key, value in record.items() if key != "attributes"}


def _subject(soql: str) -> str:
    """`... FROM Task ...` -> `Task`: which object a query reads, for messages."""
    words = soql.split()
    upper = [word.upper() for word in words]
    return words[upper.index("FROM") + 1] if "FROM" in upper[:-1] else soql[:60]
