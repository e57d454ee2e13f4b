"""Mailbox fan-out outside a flow run, the task runners it offers, and the Runtime the tasks
share: results in item order, a bounded number at once, failures after every item ran, and
a Runtime that crosses to other processes as its settings."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path

import pytest
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner

from config.loader import load_settings
from config.settings import Settings
from flows.fanout import for_each, task_runner_for
from flows.runtime import Runtime, runtime_in_this_process

CONFIG = """
[salesforce]
login_url = "https://example.my.salesforce.com"
client_id = "id"
client_secret = "sf-secret"

[m365]
tenant_id = "tenant"
client_id = "app"
client_secret = "{graph_secret}"
mailboxes = ["ada@contoso.example"]

[reports]
drive_user = "ops@contoso.example"
sender = "ops@contoso.example"
recipients = ["ada@contoso.example"]

[store]
url = "sqlite:///{store}"
"""


def settings_in(tmp_path: Path, graph_secret: str = "graph-secret") -> Settings:
    path = tmp_path / f"kamsync-{graph_secret}.toml"
    path.write_text(CONFIG.format(graph_secret=graph_secret, store=tmp_path / "kamsync.db"))
    return load_settings(path)


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return Runtime(settings_in(tmp_path))


def test_results_come_in_item_order_with_up_to_max_workers_at_once(runtime: Runtime) -> None:
    together = threading.Barrier(4, timeout=10)  # only passed if four run at the same time
    finished: list[int] = []

    @task(cache_policy=NO_CACHE)
    def square(runtime: Runtime, item: int) -> int:
        together.wait()
        finished.append(item)
        return item * item

    assert for_each(square, runtime, [3, 1, 2, 0], max_workers=4) == [9, 1, 4, 0]
    assert sorted(finished) == [0, 1, 2, 3]


def test_no_more_than_max_workers_run_at_once(runtime: Runtime) -> None:
    lock, running, most = threading.Lock(), [0], [0]

    @task(cache_policy=NO_CACHE)
    def count(runtime: Runtime, item: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        threading.Event().wait(0.01)
        with lock:
            running[0] -= 1
        return item

    assert for_each(count, runtime, list(range(12)), max_workers=3) == list(range(12))
    assert 1 <= most[0] <= 3


def test_every_item_runs_and_then_the_first_failure_is_raised(runtime: Runtime) -> None:
    ran: list[str] = []

    @task(cache_policy=NO_CACHE)
    def pull(runtime: Runtime, mailbox: str) -> str:
        ran.append(mailbox)
        if mailbox.startswith("bad"):
            raise ValueError(f"{mailbox} refused")
        return mailbox

    boxes = ["a", "bad-1", "b", "bad-2", "c"]
    with pytest.raises(ValueError, match="bad-1 refused"):
        for_each(pull, runtime, boxes, max_workers=2)
    assert sorted(ran) == sorted(boxes)


def test_max_workers_must_be_positive(runtime: Runtime) -> None:
    @task
    def noop(runtime: Runtime, item: int) -> int:
        return item

    with pytest.raises(ValueError, match="max_workers"):
        for_each(noop, runtime, [1], max_workers=0)


def test_task_runners_for_threads_a_dask_scheduler_and_a_local_cluster() -> None:
    threads = task_runner_for("threads", 8, None)
    assert isinstance(threads, ThreadPoolTaskRunner) and threads._max_workers == 8
    remote = task_runner_for("dask", 8, "tcp://scheduler.example:8786")
    assert isinstance(remote, DaskTaskRunner) and remote.address == "tcp://scheduler.example:8786"
    local = task_runner_for("dask", 2, None)
    assert isinstance(local, DaskTaskRunner) and local.address is None
    workers = local.cluster_kwargs["n_workers"]
    assert 1 <= workers <= 2 and workers * local.cluster_kwargs["threads_per_worker"] >= 2
    with pytest.raises(ValueError, match="threads"):
        task_runner_for("processes", 8, None)


def test_a_runtime_crosses_processes_as_its_settings_and_lease_owner(
    runtime: Runtime, tmp_path: Path
) -> None:
    copy = pickle.loads(pickle.dumps(runtime))
    assert (copy.settings, copy.lease_owner) == (runtime.settings, runtime.lease_owner)
    assert copy.connections is not runtime.connections
    # one set of connections per process and settings: a worker signs in once, not per task
    assert pickle.loads(pickle.dumps(runtime)).connections is copy.connections
    assert runtime_in_this_process(runtime.settings, "another run").connections is copy.connections
    other = settings_in(tmp_path, graph_secret="another-secret")
    assert runtime_in_this_process(other).connections is not copy.connections


def test_requests_counted_elsewhere_add_to_the_run_total(runtime: Runtime) -> None:
    assert runtime.api_calls() == {"salesforce": 0, "graph": 0}
    runtime.absorb({"graph": 7})
    runtime.absorb({"graph": 3, "salesforce": 0})
    assert runtime.api_calls() == {"salesforce": 0, "graph": 10}
    assert runtime.thread_calls() == {"salesforce": 0, "graph": 0}  # no client opened here
