"""A run's pull planning: everything fetched for all objects at once, before each pull.

Every describe comes in one Composite call; then, five queries per Composite call,
the windows that may go to Bulk are counted and small incremental windows have
their first page read together with the org's count at the same instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from connectors.errors import ConnectorConfigError
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.composite import Query, count_all, describe_all, query_all_at_once
from connectors.salesforce.describe import PullPlan, plan_pull
from connectors.salesforce.objects import ObjectSpec
from connectors.salesforce.pull import window_start
from connectors.salesforce.soql import count_query, field_chunks, select_query


@dataclass(frozen=True)
class PullSetup:
    """What a run fetched for all objects at once, before pulling them one by one."""

    #: records in windows that may need Bulk (full pulls, big objects)
    estimates: dict[str, int] = field(default_factory=dict)
    #: first REST pages of small incremental windows, fetched five per Composite call
    first_pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the org's live records, counted in the same Composite call as the first page
    counts: dict[str, int] = field(default_factory=dict)
    #: windows read or counted ahead (each object's pull asks again for any that failed)
    prefetched: int = 0


@dataclass(frozen=True)
class ObjectWindow:
    """Where one object's pull starts: its plan, watermark and mirror size."""

    plan: PullPlan
    #: the watermark of the last pull (None: never pulled, a full pull)
    since: str | None
    #: records the mirror holds
    mirrored: int


def plan_object(client: SalesforceClient, spec: ObjectSpec) -> PullPlan:
    """The object's pull plan from its describe (cached by the client)."""
    description = client.describe(spec.name)
    return plan_pull(description, spec.fields, extra_fields=spec.extra_fields, cursor=spec.cursor)


def describe_objects(client: SalesforceClient, specs: Sequence[ObjectSpec]) -> dict[str, PullPlan]:
    """Describe every object in one Composite call; the plans of those that can be pulled
    (each other object's pull reports why it cannot)."""
    describe_all(client, [spec.name for spec in specs])
    plans = {}
    for spec in specs:
        try:
            plans[spec.name] = plan_object(client, spec)
        except ConnectorConfigError:
            continue
    return plans


def prepare_pulls(
    client: SalesforceClient,
    windows: dict[str, ObjectWindow],
    *,
    bulk_threshold: int,
    overlap: timedelta,
) -> PullSetup:
    """Count the windows that may go to Bulk and read small windows' first pages, with
    counts, five queries per Composite call."""
    queries: dict[str, Query] = {}
    for name, window in windows.items():
        plan, since = window.plan, window.since
        start = window_start(since, overlap)
        if bulk_threshold > 0 and (since is None or window.mirrored >= bulk_threshold):
            # Big enough that the window might go to Bulk: count it first.
            queries[f"estimate:{name}"] = Query(count_query(plan, start))
        chunks = field_chunks(plan, start, None)
        if since is not None and len(chunks) == 1:
            # An incremental window is usually small: read its first page right away
            # (unused if the estimate sends it to Bulk), with the org's count of the same instant.
            queries[f"page:{name}"] = Query(
                select_query(plan, chunks[0], start, None), plan.has_is_deleted
            )
            queries[f"count:{name}"] = Query(count_query(plan, None))
    # A window the org timed out on is left to the object's pull, which splits it.
    answers = query_all_at_once(client, queries, can_split=True) if queries else {}
    setup = PullSetup(prefetched=len(answers))
    for key, answer in answers.items():
        kind, name = key.split(":", 1)
        if not isinstance(answer, dict):
            continue  # the object's own pull asks again (and splits a window that timed out)
        if kind == "page":
            setup.first_pages[name] = answer
        else:
            (setup.estimates if kind == "estimate" else setup.counts)[name] = answer["totalSize"]
    return setup


def count_objects(client: SalesforceClient, plans: dict[str, PullPlan]) -> dict[str, int]:
    """Each object's live records in the org, five `COUNT()`s per Composite call."""
    return count_all(client, {name: count_query(plan, None) for name, plan in plans.items()})
