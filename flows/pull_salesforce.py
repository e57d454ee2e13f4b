"""Pull from Salesforce: mirror each object's changes, then prove the mirror against the org."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.errors import BudgetExhausted, ConnectorConfigError
from connectors.salesforce import (
    ObjectSpec,
    PullPlan,
    compare_ids,
    formula_values,
    org_count,
    plan_pull,
    pull_object,
    records_by_id,
)
from connectors.store import Store
from flows.progress import step
from flows.runtime import Runtime


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
    #: records re-pulled or marked deleted because the mirror disagreed with the org
    repaired: int = 0
    via: str = "rest"
    api_calls: int = 0
    note: str = ""


@task(name="pull-salesforce-object", task_run_name="pull {spec.name}", cache_policy=NO_CACHE)
def pull_salesforce_object(runtime: Runtime, spec: ObjectSpec) -> ObjectPull:
    """Mirror one object's records changed since its watermark, then check the mirror."""
    client = runtime.salesforce
    calls_before = client.calls
    try:
        result = _pull_and_verify(runtime, spec)
    except BudgetExhausted as exc:
        step("pull", f"{spec.name}: stopped, {exc}")
        return ObjectPull(spec.name, "budget", api_calls=client.calls - calls_before, note=str(exc))
    except ConnectorConfigError as exc:
        if not spec.optional:
            raise
        step("pull", f"{spec.name}: skipped ({exc})")
        return ObjectPull(spec.name, "skipped", note=str(exc))
    return replace(result, api_calls=client.calls - calls_before)


def _pull_and_verify(runtime: Runtime, spec: ObjectSpec) -> ObjectPull:
    settings, store, client = runtime.settings.salesforce, runtime.store, runtime.salesforce
    plan = plan_pull(
        client.describe(spec.name), spec.fields, extra_fields=spec.extra_fields, cursor=spec.cursor
    )
    stream = f"salesforce:{spec.name}"
    since = store.watermark(stream)
    pulled = deleted = 0
    via = "rest"
    batches = pull_object(
        client, plan, since,
        overlap=timedelta(seconds=settings.overlap_seconds),
        bulk_threshold=settings.bulk_threshold,
        mirrored=store.count("salesforce", spec.name) if since else None,
        on_fallback=lambda reason: step("pull", f"{spec.name}: bulk job failed ({reason}); REST"),
    )  # fmt: skip
    for batch in batches:
        deleted += _mirror_batch(store, spec.name, batch.records, (stream, batch.watermark))
        pulled += len(batch.records)
        via = batch.via
    in_org, repaired = _verify(runtime, plan, just_read_all=since is None)
    mirrored = store.count("salesforce", spec.name)
    mode = "full" if since is None else "incremental"
    step(
        "pull",
        f"{spec.name}: {pulled} read ({mode}, {via}), {mirrored} mirrored"
        + (f", {repaired} repaired after comparing with the org" if repaired else ""),
    )
    return ObjectPull(spec.name, mode, pulled, deleted, mirrored, in_org, repaired, via)


def _mirror_batch(
    store: Store, name: str, records: pd.DataFrame, mark: tuple[str, str | None]
) -> int:
    """Upsert a batch; hide its deleted rows; commit the watermark with the last write."""
    dead: list[str] = (
        records.loc[records["IsDeleted"].eq(True), "Id"].tolist() if "IsDeleted" in records else []
    )
    store.upsert_records("salesforce", name, records)
    watermark = (mark[0], mark[1]) if mark[1] else None
    return store.mark_deleted("salesforce", name, dead, watermark=watermark)


def _verify(runtime: Runtime, plan: PullPlan, *, just_read_all: bool) -> tuple[int, int]:
    """Compare the org's count with the mirror; on a mismatch (or when due) compare ids.

    A full pull that ends with matching counts counts as this period's check.
    """
    store, client = runtime.store, runtime.salesforce
    in_org = org_count(client, plan)
    stream = f"salesforce:{plan.name}:ids-checked"
    last_check = store.watermark(stream)
    due = last_check is None or date.fromisoformat(last_check) <= date.today() - timedelta(
        days=runtime.settings.salesforce.id_reconciliation_days
    )
    if in_org == store.count("salesforce", plan.name) and (just_read_all or not due):
        if just_read_all:
            store.mark_deleted("salesforce", plan.name, [], watermark=(stream, _today()))
        return in_org, 0
    mirrored = store.read_table("salesforce", plan.name)
    difference = compare_ids(client, plan, mirrored["Id"].tolist() if len(mirrored) else [])
    for frame in records_by_id(client, plan, difference.missing):
        store.upsert_records("salesforce", plan.name, frame)
    refreshed = _refresh_formulas(runtime, plan, mirrored) if due and plan.formulas else 0
    store.mark_deleted("salesforce", plan.name, difference.gone, watermark=(stream, _today()))
    return in_org, len(difference.missing) + len(difference.gone) + refreshed


def _today() -> str:
    return date.today().isoformat()


def _refresh_formulas(runtime: Runtime, plan: PullPlan, mirrored: pd.DataFrame) -> int:
    """Write formula values that moved since the records were last pulled."""
    current = formula_values(runtime.salesforce, plan)
    if mirrored.empty or current.empty:
        return 0
    merged = mirrored.merge(current, on="Id", how="inner", suffixes=("", "__org"))
    moved = pd.Series(False, index=merged.index)
    for name in plan.formulas:
        mirror_value, org_value = merged[name].astype(object), merged[f"{name}__org"].astype(object)
        both_empty = mirror_value.isna() & org_value.isna()
        moved |= ~(both_empty | mirror_value.eq(org_value))
    changed = merged.loc[moved]
    if changed.empty:
        return 0
    for name in plan.formulas:
        changed = changed.assign(**{name: changed[f"{name}__org"]})
    runtime.store.upsert_records("salesforce", plan.name, changed[list(mirrored.columns)])
    return len(changed)
