"""Pull from Salesforce: describe every object at once, mirror each object's changes,
then prove the whole mirror against the org's counts (and ids, when they disagree)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.errors import BudgetExhausted, ConnectorConfigError
from connectors.salesforce import ObjectSpec, PullPlan, objects_for, plan_pull, pull_object
from connectors.salesforce.composite import Query, count_all, describe_all, query_all_at_once
from connectors.salesforce.pull import window_start
from connectors.salesforce.soql import count_query, field_chunks, select_query
from connectors.store import Store
from flows.fanout import for_each
from flows.mirror_checks import repair_object
from flows.progress import step
from flows.runtime import Runtime
from flows.taskrun import run


@dataclass(frozen=True)
class ObjectPull:
    """What one object's pull did, in figures a sales-ops engineer checks."""

    object_name: str
    #: full | incremental | skipped | budget (stopped: resumes next run)
    mode: str
    pulled: int = 0
    deleted: int = 0
    mirrored: int = 0
    #: live records the org counts (None: not checked this run)
    in_org: int | None = None
    #: records re-pulled, marked deleted or refreshed because the mirror disagreed with the org
    repaired: int = 0
    via: str = "rest"
    api_calls: int = 0
    note: str = ""


@dataclass(frozen=True)
class PullSetup:
    """What a run fetched for all objects at once, before pulling them one by one."""

    #: records in windows that may need Bulk (full pulls, big objects)
    estimates: dict[str, int] = field(default_factory=dict)
    #: first REST pages of small incremental windows, fetched five per Composite call
    first_pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the org's live records, counted in the same Composite call as the first page
    counts: dict[str, int] = field(default_factory=dict)


@task(name="describe-salesforce", cache_policy=NO_CACHE)
def prepare_salesforce(runtime: Runtime, specs: list[ObjectSpec]) -> PullSetup:
    """Describe every object in one Composite call; then, five queries per Composite call,
    count the windows that may need Bulk and read small windows' first pages with counts."""
    try:
        return _prepare(runtime, specs)
    except BudgetExhausted as exc:
        step("pull", f"stopped before pulling: {exc}")
        return PullSetup()


def _prepare(runtime: Runtime, specs: list[ObjectSpec]) -> PullSetup:
    client, store, settings = runtime.salesforce, runtime.store, runtime.settings.salesforce
    describe_all(client, [spec.name for spec in specs])
    threshold = settings.bulk_threshold
    queries: dict[str, Query] = {}
    for spec in specs:
        try:
            plan = _plan(runtime, spec)
        except ConnectorConfigError:
            continue  # reported by the object's pull
        since = store.watermark(f"salesforce:{spec.name}")
        start = _window_start(runtime, since)
        if threshold > 0 and (since is None or store.count("salesforce", spec.name) >= threshold):
            # Big enough that the window might go to Bulk: count it first.
            queries[f"estimate:{spec.name}"] = Query(count_query(plan, start))
        chunks = field_chunks(plan, start, None)
        if since is not None and len(chunks) == 1:
            # An incremental window is usually small: read its first page right away
            # (unused if the estimate sends it to Bulk), with the org's count of the same instant.
            page = Query(select_query(plan, chunks[0], start, None), plan.has_is_deleted)
            queries[f"page:{spec.name}"] = page
            queries[f"count:{spec.name}"] = Query(count_query(plan, None))
    answers = query_all_at_once(client, queries) if queries else {}
    setup = PullSetup()
    for key, answer in answers.items():
        kind, name = key.split(":", 1)
        if isinstance(answer, str):
            continue  # the object's own pull asks again (and splits a window that timed out)
        if kind == "page":
            setup.first_pages[name] = answer
        else:
            (setup.estimates if kind == "estimate" else setup.counts)[name] = answer["totalSize"]
    step("pull", f"described {len(specs)} objects; {len(answers)} windows read or counted")
    return setup


@task(name="pull-salesforce-object", task_run_name="pull {spec.name}", cache_policy=NO_CACHE)
def pull_salesforce_object(
    runtime: Runtime, spec: ObjectSpec, setup: PullSetup | None = None
) -> ObjectPull:
    """Mirror one object's records changed since its watermark (all of them the first time)."""
    client = runtime.salesforce
    calls_before = client.thread_calls()  # objects are pulled in several threads at once
    try:
        result = _pull(runtime, spec, setup or PullSetup())
    except BudgetExhausted as exc:
        step("pull", f"{spec.name}: stopped, {exc}")
        used = client.thread_calls() - calls_before
        return ObjectPull(spec.name, "budget", api_calls=used, note=str(exc))
    except ConnectorConfigError as exc:
        if not spec.optional:
            raise
        step("pull", f"{spec.name}: skipped ({exc})")
        return ObjectPull(spec.name, "skipped", note=str(exc))
    return replace(result, api_calls=client.thread_calls() - calls_before)


@task(name="verify-salesforce-mirror", cache_policy=NO_CACHE)
def verify_salesforce(runtime: Runtime, pulls: list[ObjectPull]) -> list[ObjectPull]:
    """Compare every pulled object with the org's COUNT() (five per call), repair what differs."""
    client = runtime.salesforce
    calls_before = client.calls
    pulled = {pull.object_name: pull for pull in pulls if pull.mode in ("full", "incremental")}
    specs = {spec.name: spec for spec in objects_for(runtime.settings)}
    try:
        plans = {name: _plan(runtime, specs[name]) for name in pulled}
        # Counts taken with the pull stand, unless a full pull ran while the org changed.
        settled = {
            name: pull.in_org
            for name, pull in pulled.items()
            if pull.in_org is not None and (pull.mode != "full" or pull.in_org == pull.mirrored)
        }
        recount = {
            name: count_query(plan, None) for name, plan in plans.items() if name not in settled
        }
        counts = {**settled, **(count_all(client, recount) if recount else {})}
        checked = {
            name: repair_object(
                runtime, plans[name], counts[name], just_read_all=pull.mode == "full"
            )
            for name, pull in pulled.items()
        }
    except BudgetExhausted as exc:
        step("pull", f"mirror check stopped: {exc}")
        return pulls
    results = []
    for pull in pulls:
        if pull.object_name not in checked:
            results.append(pull)
            continue
        repaired = checked[pull.object_name]
        mirrored = runtime.store.count("salesforce", pull.object_name)
        results.append(
            replace(pull, in_org=counts[pull.object_name], repaired=repaired, mirrored=mirrored)
        )
        if repaired:
            step("pull", f"{pull.object_name}: {repaired} records repaired against the org")
    step("pull", f"mirror checked against the org ({client.calls - calls_before} calls)")
    return results


def pull_salesforce(runtime: Runtime) -> list[ObjectPull]:
    """Describe, pull every object (`[runtime] max_workers` at a time), check the mirror:
    the cycle's Salesforce side.

    The pulls stay in this process, whose client holds the API budget: once it runs
    out, every object pulled after that stops at its first call and resumes next run,
    and the mirror check waits for a run that reached every object.
    """
    specs = list(objects_for(runtime.settings))
    setup = run(prepare_salesforce, runtime, specs)
    workers = runtime.settings.runtime.max_workers
    pulls = for_each(
        pull_salesforce_object, runtime, specs, max_workers=workers, in_process=True, setup=setup
    )
    if any(pull.mode == "budget" for pull in pulls):
        return pulls
    return run(verify_salesforce, runtime, pulls)


def _plan(runtime: Runtime, spec: ObjectSpec) -> PullPlan:
    description = runtime.salesforce.describe(spec.name)
    return plan_pull(description, spec.fields, extra_fields=spec.extra_fields, cursor=spec.cursor)


def _window_start(runtime: Runtime, since: str | None) -> datetime | None:
    return window_start(since, timedelta(seconds=runtime.settings.salesforce.overlap_seconds))


def _pull(runtime: Runtime, spec: ObjectSpec, setup: PullSetup) -> ObjectPull:
    settings, store, client = runtime.settings.salesforce, runtime.store, runtime.salesforce
    plan = _plan(runtime, spec)
    stream = f"salesforce:{spec.name}"
    since = store.watermark(stream)
    pulled = deleted = 0
    via = "rest"
    batches = pull_object(
        client, plan, since,
        overlap=timedelta(seconds=settings.overlap_seconds),
        bulk_threshold=settings.bulk_threshold,
        mirrored=store.count("salesforce", spec.name) if since else None,
        estimate=setup.estimates.get(spec.name),
        first_page=setup.first_pages.get(spec.name),
        on_fallback=lambda reason: step("pull", f"{spec.name}: bulk job failed ({reason}); REST"),
    )  # fmt: skip
    for batch in batches:
        deleted += _mirror_batch(store, spec.name, batch.records, (stream, batch.watermark))
        pulled += len(batch.records)
        via = batch.via
    mirrored = store.count("salesforce", spec.name)
    mode = "full" if since is None else "incremental"
    step("pull", f"{spec.name}: {pulled} read ({mode}, {via}), {mirrored} mirrored")
    # A full pull's window is the whole object: its count is the org's, as of the start;
    # a first page fetched with a count is as of the same instant.
    counted = setup.estimates.get(spec.name) if since is None else setup.counts.get(spec.name)
    return ObjectPull(spec.name, mode, pulled, deleted, mirrored, in_org=counted, via=via)


def _mirror_batch(
    store: Store, name: str, records: pd.DataFrame, mark: tuple[str, str | None]
) -> int:
    """Upsert a batch's live rows; hide its deleted ones; commit the watermark last.

    Deleted rows are not upserted first: that would make them live for a moment and
    count a deletion again each time an overlap window re-reads it."""
    is_dead = records["IsDeleted"].eq(True) if "IsDeleted" in records else None
    dead: list[str] = [] if is_dead is None else records.loc[is_dead, "Id"].tolist()
    live = records if is_dead is None else records[~is_dead]
    if len(live):
        store.upsert_records("salesforce", name, live)
    watermark = (mark[0], mark[1]) if mark[1] else None
    return store.mark_deleted("salesforce", name, dead, watermark=watermark)
