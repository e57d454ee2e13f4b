"""Pull from Salesforce: describe every object at once, mirror each object's changes,
then prove the whole mirror against the org's counts (and ids, when they disagree).

Only wiring: the connector plans the queries (`connectors.salesforce.planning`);
these tasks hand it the store's watermarks and write what it returns."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.errors import BudgetExhausted, ConnectorConfigError
from connectors.salesforce import (
    ObjectSpec,
    ObjectWindow,
    PullSetup,
    count_objects,
    describe_objects,
    objects_for,
    plan_object,
    prepare_pulls,
    pull_object,
)
from connectors.store import Store
from flows.crashpoints import crash_point
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
    plans = describe_objects(client, specs)
    windows = {
        name: ObjectWindow(
            plan, store.watermark(f"salesforce:{name}"), store.count("salesforce", name)
        )
        for name, plan in plans.items()
    }
    setup = prepare_pulls(
        client,
        windows,
        bulk_threshold=settings.bulk_threshold,
        overlap=timedelta(seconds=settings.overlap_seconds),
    )
    step("pull", f"described {len(specs)} objects; {setup.prefetched} windows read or counted")
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
        plans = {name: plan_object(client, specs[name]) for name in pulled}
        # Counts taken with the pull stand, unless a full pull ran while the org changed.
        settled = {
            name: pull.in_org
            for name, pull in pulled.items()
            if pull.in_org is not None and (pull.mode != "full" or pull.in_org == pull.mirrored)
        }
        recount = {name: plan for name, plan in plans.items() if name not in settled}
        counts = {**settled, **(count_objects(client, recount) if recount else {})}
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
    crash_point("salesforce.mirror_checked")
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


def _pull(runtime: Runtime, spec: ObjectSpec, setup: PullSetup) -> ObjectPull:
    settings, store, client = runtime.settings.salesforce, runtime.store, runtime.salesforce
    plan = plan_object(client, spec)
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
        crash_point("salesforce.watermark_saved")
        pulled += len(batch.records)
        via = batch.via
    crash_point("salesforce.object_pulled")
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
        crash_point("salesforce.page_mirrored")
    watermark = (mark[0], mark[1]) if mark[1] else None
    return store.mark_deleted("salesforce", name, dead, watermark=watermark)
