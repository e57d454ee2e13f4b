"""Mailbox fan-out against the sandbox: threads, Prefect's thread pool and a Dask cluster of
two worker processes mirror the same mail and To Do, and count the same Graph requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from config.loader import load_settings
from config.settings import Settings, StoreSettings
from connectors.store import Store
from flows import fanout
from flows.fanout import close_task_runner, for_each
from flows.pull_m365 import MailboxPull, pull_mailbox
from flows.runtime import Runtime
from tests.integration.stores import Runtimes, StoreUrls

pytestmark = pytest.mark.integration

MIRRORED = {"messages": ["id", "mailbox"], "todo_lists": ["id", "mailbox"],
            "todo_tasks": ["id", "mailbox", "list_id"]}  # fmt: skip


def on_store(settings: Settings, url: str) -> Runtime:
    return Runtime(settings.model_copy(update={"store": StoreSettings(url=url)}))


def mirror(url: str) -> dict[str, set[tuple[str, ...]]]:
    """Every live row the pulls mirrored, by object, as tuples of the fields that place it."""
    with Store(url) as store:
        return {
            name: set(store.read_fields("m365", name, fields).astype(str).itertuples(False))
            for name, fields in MIRRORED.items()
        }


@flow(name="pull-mailboxes")
def pull_mailboxes(config_file: str, store_url: str, runner: str) -> dict[str, Any]:
    """The cycle's mailbox pulls on their own, fanned out as `[runtime] task_runner` says."""
    settings = load_settings(config_file)
    options = settings.runtime.model_copy(update={"task_runner": runner, "max_workers": 2})
    runtime = on_store(settings.model_copy(update={"runtime": options}), store_url)
    try:
        pulls = for_each(pull_mailbox, runtime, runtime.settings.m365.mailboxes, max_workers=2)
        used = type(fanout._config_runner(runtime)).__name__  # the runner kept for this run
        return {"pulls": pulls, "api_calls": runtime.api_calls(), "runner": used}
    finally:
        close_task_runner(runtime)
        runtime.close()


def test_threads_mirror_what_one_by_one_mirrors(
    sandbox_settings: Settings, store_urls: StoreUrls, runtimes: Runtimes
) -> None:
    boxes = sandbox_settings.m365.mailboxes
    one_by_one = runtimes.on(sandbox_settings, store_urls("serial"))
    threads = runtimes.on(sandbox_settings, store_urls("threads"))
    serial_pulls = [pull_mailbox.fn(one_by_one, box) for box in boxes]
    thread_pulls = for_each(pull_mailbox, threads, boxes, max_workers=4)
    assert thread_pulls == serial_pulls  # in mailbox order, whichever finished first
    assert [pull.mailbox for pull in thread_pulls] == boxes
    assert mirror(str(threads.settings.store.url)) == mirror(str(one_by_one.settings.store.url))
    assert threads.api_calls() == one_by_one.api_calls()


@pytest.mark.usefixtures("prefect_harness")
def test_a_dask_cluster_mirrors_and_counts_what_prefect_threads_do(
    sandbox: dict[str, Any], sandbox_settings: Settings, store_urls: StoreUrls
) -> None:
    outcomes, mirrors = {}, {}
    for kind in ("threads", "dask"):
        url = store_urls(kind)
        outcomes[kind] = pull_mailboxes(sandbox["config"], url, kind)
        mirrors[kind] = mirror(url)
    threads, dask = outcomes["threads"], outcomes["dask"]
    assert dask["runner"].endswith("DaskTaskRunner") and threads["runner"] == "NoneType"
    assert all(isinstance(pull, MailboxPull) for pull in dask["pulls"])
    assert dask["pulls"] == threads["pulls"]
    assert mirrors["dask"] == mirrors["threads"]
    assert sum(len(rows) for rows in mirrors["dask"].values()) > 0
    # The workers' requests reach the flow's count: nothing lost, nothing twice.
    assert dask["api_calls"]["graph"] == threads["api_calls"]["graph"] > 0


@task(name="refuse-some", task_run_name="refuse {mailbox}", cache_policy=NO_CACHE)
def refuse_some(runtime: Runtime, mailbox: str) -> str:
    (Path(runtime.settings.store.url.removeprefix("sqlite:///")).parent / mailbox).touch()
    if mailbox.startswith("bad"):
        raise RuntimeError(f"{mailbox} refused")
    return mailbox


@flow(name="refusing-fan-out")
def refusing_fan_out(config_file: str, store_url: str, mailboxes: list[str]) -> list[str]:
    runtime = on_store(load_settings(config_file), store_url)
    try:
        return for_each(refuse_some, runtime, mailboxes, max_workers=2)
    finally:
        runtime.close()


@pytest.mark.usefixtures("prefect_harness")
def test_in_a_flow_every_task_run_ends_before_the_first_failure_is_raised(
    sandbox: dict[str, Any], trust_sandbox: None, tmp_path: Path
) -> None:
    boxes = ["a", "bad-1", "b", "bad-2", "c"]
    with pytest.raises(RuntimeError, match="bad-1 refused"):
        refusing_fan_out(sandbox["config"], f"sqlite:///{tmp_path / 'fails.db'}", boxes)
    assert all((tmp_path / box).exists() for box in boxes)
