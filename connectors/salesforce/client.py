"""A Salesforce REST client: simple-salesforce plus auth renewal, retries and usage.

All calls go through `SalesforceClient._call`, which renews an expired session
once, retries transient failures (see `retry`), turns library exceptions into
`connectors.errors` types and keeps the org's `Sforce-Limit-Info` figures.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from config.settings import SalesforceSettings
from connectors.errors import (
    BudgetExhausted,
    ConnectorConfigError,
    FatalError,
    RetriableError,
    redact,
)
from connectors.salesforce.auth import fetch_token
from connectors.salesforce.budget import ApiBudget
from connectors.salesforce.describe import ObjectDescription
from connectors.salesforce.http import TimeoutSession
from connectors.salesforce.retry import is_transient, with_retries

T = TypeVar("T")
Record = dict[str, Any]


class QueryTimeout(RetriableError):
    """The org gave up on a query (QUERY_TIMEOUT); a narrower window may pass."""


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
        self._missing: dict[str, str] = {}
        self.budget = ApiBudget(settings.api_budget_share, spent_today)
        self._calls = 0
        self._calls_lock = threading.Lock()
        self._thread = threading.local()

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
        self, soql: str, *, include_deleted: bool = False, first_page: Record | None = None
    ) -> Iterator[list[Record]]:
        """Yield the records of a SOQL query page by page (`nextRecordsUrl` paging).

        `first_page` is the query's first answer when it came another way (Composite).
        """
        headers = {"Sforce-Query-Options": f"batchSize={self._settings.query_batch_size}"}
        page = first_page or self.call(
            lambda sf: sf.query(
                soql, include_deleted=include_deleted, timeout=self._timeout, headers=headers
            )
        )
        while True:
            yield [_without_attributes(record) for record in page["records"]]
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return
            page = self.call(partial(self._query_more, next_url))

    def count(self, soql: str) -> int:
        """`totalSize` of a `SELECT COUNT() ...` query."""
        return int(self.call(lambda sf: sf.query(soql, timeout=self._timeout))["totalSize"])

    def remember_description(self, description: ObjectDescription) -> None:
        """Cache a describe fetched elsewhere (several at once through Composite)."""
        self._descriptions[description.name] = description

    def remember_missing(self, sobject: str, reason: str) -> None:
        """Cache that an object cannot be described (absent, or not readable)."""
        self._missing[sobject] = reason

    def describe(self, sobject: str) -> ObjectDescription:
        """The object's describe, fetched once per client (per run)."""
        if sobject in self._missing:
            raise ConnectorConfigError(
                f"Salesforce {sobject} cannot be described: {self._missing[sobject]}"
            )
        if sobject not in self._descriptions:
            path = f"sobjects/{sobject}/describe"
            payload = self.call(lambda sf: sf.restful(path, timeout=self._timeout))
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

    def _renew(self) -> None:
        self._session = fetch_token(self._settings, self._http)
        self._sf = self._build()

    def call(self, action: Callable[[Salesforce], T]) -> T:
        """Run one API call: budget checked, retried, session renewed once, errors typed."""
        try:
            return self._attempt(action)
        except SalesforceExpiredSession:
            self._renew()
            try:
                return self._attempt(action)
            except SalesforceExpiredSession as exc:
                raise ConnectorConfigError(
                    f"Salesforce rejected a fresh session: {_describe(exc)}"
                ) from None

    def _attempt(self, action: Callable[[Salesforce], T]) -> T:
        def counted() -> T:
            with self._calls_lock:  # objects are pulled from several threads at once
                self.budget.check(self._calls)
                self._calls += 1
            self._thread.calls = self.thread_calls() + 1
            try:
                return action(self._sf)
            finally:
                self.budget.observe(self.api_usage)

        try:
            return with_retries(counted)
        except SalesforceExpiredSession:
            raise
        except SalesforceRefusedRequest as exc:
            if "REQUEST_LIMIT_EXCEEDED" in str(exc.content):
                raise BudgetExhausted(
                    "Salesforce daily API limit reached; the pull resumes next run"
                ) from None
            raise ConnectorConfigError(
                f"Salesforce refused the request: {_describe(exc)}"
            ) from None
        except SalesforceResourceNotFound as exc:
            raise ConnectorConfigError(f"Salesforce resource not found: {_describe(exc)}") from None
        except SalesforceMalformedRequest as exc:
            if "QUERY_TIMEOUT" in str(exc.content):
                raise QueryTimeout(f"Salesforce query timed out: {_describe(exc)}") from None
            raise FatalError(f"Salesforce rejected the request: {_describe(exc)}") from None
        except (SalesforceError, requests.RequestException) as exc:
            if is_transient(exc):
                raise RetriableError(f"Salesforce unavailable: {redact(str(exc))}") from None
            raise FatalError(f"Salesforce call failed: {redact(str(exc))}") from None


def _without_attributes(record: Record) -> Record:
    return {key: value for key, value in record.items() if key != "attributes"}


def _describe(exc: SalesforceError) -> str:
    content = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        return redact(f"{first.get('errorCode')}: {first.get('message')} ({exc.url})")
    return redact(str(exc))
