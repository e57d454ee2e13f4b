"""Repairs after comparing the mirror with the org: ids, and formula fields.

A count that disagrees, or the periodic check (every `id_reconciliation_days`),
lists every live id: records the pulls missed are re-pulled, records the org
no longer has (deleted longer ago than `getDeleted` reaches) are marked
deleted, and formula fields, which move without SystemModstamp, are re-read.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from connectors.salesforce import PullPlan, compare_ids, formula_values, records_by_id
from flows.runtime import Runtime


def repair_object(runtime: Runtime, plan: PullPlan, in_org: int, *, just_read_all: bool) -> int:
    """Make the object's mirror match the org; return how many records were repaired.

    A full pull that ends with matching counts is this period's check.
    """
    store, client = runtime.store, runtime.salesforce
    stream = f"salesforce:{plan.name}:ids-checked"
    last_check = store.watermark(stream)
    period = timedelta(days=runtime.settings.salesforce.id_reconciliation_days)
    due = last_check is None or date.fromisoformat(last_check) <= date.today() - period
    if in_org == store.count("salesforce", plan.name) and (just_read_all or not due):
        if just_read_all:
            store.mark_deleted("salesforce", plan.name, [], watermark=(stream, _today()))
        return 0
    mirrored = store.read_table("salesforce", plan.name)
    difference = compare_ids(client, plan, mirrored["Id"].tolist() if len(mirrored) else [])
    for frame in records_by_id(client, plan, difference.missing):
        store.upsert_records("salesforce", plan.name, frame)
    refreshed = _refresh_formulas(runtime, plan, mirrored) if due and plan.formulas else 0
    store.mark_deleted("salesforce", plan.name, difference.gone, watermark=(stream, _today()))
    return len(difference.missing) + len(difference.gone) + refreshed


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
