"""Analyse: the key accounts once after the Salesforce pull, then the whole analysis
once after every pull, both from the store's read API (no calls to either service)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.store import Store
from flows.mirror_tables import mirror_frames, salesforce_tables
from flows.progress import step
from flows.runtime import Runtime
from transforms.analysis import Analysis, analyse, key_accounts_from

__all__ = ["Analysis", "key_accounts", "reconcile"]

#: the store's source of what one cycle's analysis keeps for the next
ANALYSIS = "analysis"
HEALTH, HEALTH_COMPONENTS = "health", "health_components"
#: what the key-account rule reads
KEY_ACCOUNT_OBJECTS = ("Account", "Opportunity", "User")


@task(name="key-accounts", cache_policy=NO_CACHE)
def key_accounts(runtime: Runtime, today: date) -> pd.DataFrame:
    """The key accounts by the configured rule, from the mirrored CRM."""
    tables = salesforce_tables(runtime.store, runtime.settings, KEY_ACCOUNT_OBJECTS)
    chosen = key_accounts_from(tables, runtime.settings, today=today)
    step("reconcile", f"{len(chosen)} key accounts")
    return chosen


def keep_health(store: Store, analysis: Analysis) -> None:
    """Store this cycle's health (accounts no longer key drop out), so the next cycle can
    say what moved and why."""
    health = analysis.health.assign(id=analysis.health["account_id"])
    components = analysis.health_components
    components = components.assign(
        id=components["account_id"].astype(str) + "/" + components["component"].astype(str)
    )
    store.replace_records(ANALYSIS, HEALTH, health, id_column="id", where={})
    store.replace_records(ANALYSIS, HEALTH_COMPONENTS, components, id_column="id", where={})


@task(name="reconcile", cache_policy=NO_CACHE)
def reconcile(
    runtime: Runtime,
    today: date,
    instance_url: str,
    key_accounts: pd.DataFrame,
    keep: bool = True,
) -> Analysis:
    """Run the transforms over the mirror (pure pandas, no calls to either service);
    `keep`: store the health for the next cycle's comparison (not on dry runs)."""
    store = runtime.store
    mirror = replace(
        mirror_frames(store, runtime.settings),
        previous_health=store.read_table(ANALYSIS, HEALTH),
        previous_components=store.read_table(ANALYSIS, HEALTH_COMPONENTS),
    )
    analysis = analyse(
        mirror, key_accounts, runtime.settings, today=today, now=datetime.now(UTC),
        instance_url=instance_url,
    )  # fmt: skip
    if keep:
        keep_health(store, analysis)
    deadlines = analysis.deadlines
    overdue = int(deadlines["overdue"].sum()) if len(deadlines) else 0
    step(
        "reconcile",
        f"{len(analysis.key_accounts)} key accounts, {len(deadlines)} deadlines "
        f"({overdue} overdue), {len(analysis.data_issues)} data issues",
    )
    return analysis
