"""Benchmark: a full Salesforce pull of a sandbox preset, then an incremental one.

    python -m bench.salesforce_pull [--preset tiny|demo|medium|large] [--changes 0.01]

Starts the sandbox for the preset (its state dir is kept, so `large` is seeded
once), pulls every object into a fresh store the way the cycle does, changes a
share of the records through sObject Collections, pulls again, and prints wall
time, peak memory and API calls against the minimum:
⌈rows / 2,000⌉ per object over REST, or create + one status poll + ⌈rows /
50,000⌉ result pages over Bulk API 2.0. Targets: calls ≤ 1.1 × the minimum;
the incremental pull ≤ 5 % of the full pull's calls and time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from config.loader import load_settings
from config.settings import StoreSettings
from flows.demo import SandboxProcess
from flows.pull_salesforce import ObjectPull, pull_salesforce
from flows.runtime import Runtime
from sandbox.seed import PRESETS

REST_PAGE = 2_000
BULK_PAGE = 50_000


def minimum_calls(pull: ObjectPull) -> int:
    """The fewest calls that can read this many records the way they were read."""
    if pull.via == "bulk":
        return 2 + math.ceil(pull.pulled / BULK_PAGE)
    return max(1, math.ceil(pull.pulled / REST_PAGE))


def pull_everything(runtime: Runtime) -> tuple[list[ObjectPull], float, int]:
    """The cycle's Salesforce side: pulls, seconds, API calls (describes and checks included)."""
    started, calls_before = time.perf_counter(), runtime.salesforce.calls
    pulls = pull_salesforce(runtime)
    return pulls, time.perf_counter() - started, runtime.salesforce.calls - calls_before


def change_records(runtime: Runtime, share: float, seed: int = 7) -> int:
    """Touch `share` of the Accounts, Contacts, Opportunities and Tasks, 200 per call."""
    client = runtime.salesforce
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {client._session.access_token}"
    url = f"{client.instance_url}/services/data/v{runtime.settings.salesforce.api_version}"
    rng = random.Random(seed)
    changed = 0
    for name, field in (("Account", "Description"), ("Contact", "Title"),
                        ("Opportunity", "NextStep"), ("Task", "Description")):  # fmt: skip
        ids = runtime.store.read_table("salesforce", name)["Id"].tolist()
        picked = rng.sample(ids, max(1, int(len(ids) * share)))
        for offset in range(0, len(picked), 200):
            records = [
                {"attributes": {"type": name}, "Id": record_id, field: f"bench change {seed}"}
                for record_id in picked[offset : offset + 200]
            ]
            answer = session.patch(
                f"{url}/composite/sobjects", json={"allOrNone": True, "records": records},
                timeout=120,
            )  # fmt: skip
            answer.raise_for_status()
        changed += len(picked)
    return changed


def report(label: str, pulls: list[ObjectPull], seconds: float, calls: int) -> dict[str, Any]:
    floor = sum(minimum_calls(pull) for pull in pulls)
    print(f"\n{label}: {seconds:.1f} s, {calls} API calls (minimum {floor}, "
          f"ratio {calls / floor:.2f})")  # fmt: skip
    print(f"  {'object':<24}{'read':>10}{'mirrored':>10}{'via':>6}{'calls':>8}{'minimum':>9}")
    for pull in pulls:
        print(f"  {pull.object_name:<24}{pull.pulled:>10}{pull.mirrored:>10}{pull.via:>6}"
              f"{pull.api_calls:>8}{minimum_calls(pull):>9}")  # fmt: skip
    return {"seconds": round(seconds, 2), "api_calls": calls, "minimum_calls": floor,
            "objects": [pull.__dict__ for pull in pulls]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo", choices=list(PRESETS))
    parser.add_argument("--changes", type=float, default=0.01, help="share of records to change")
    parser.add_argument("--state-dir", type=Path, default=None)
    args = parser.parse_args()
    state_dir = args.state_dir or Path(".kamsync") / f"bench-{args.preset}"
    seeding = time.perf_counter()
    # Seeding `large` (about 5M records) and loading it takes minutes the first time.
    with SandboxProcess(state_dir, args.preset, False, 0, 0, startup_seconds=3600) as sandbox, \
            tempfile.TemporaryDirectory() as scratch:  # fmt: skip
        print(f"sandbox ({args.preset}) up in {time.perf_counter() - seeding:.1f} s")
        os.environ["REQUESTS_CA_BUNDLE"] = sandbox.info["ca_bundle"]
        settings = load_settings(sandbox.info["config"])
        store = StoreSettings(url=f"sqlite:///{Path(scratch) / 'bench.db'}")
        runtime = Runtime(settings.model_copy(update={"store": store}))
        full, full_seconds, full_calls = pull_everything(runtime)
        results = {"preset": args.preset,
                   "full": report("full pull", full, full_seconds, full_calls)}  # fmt: skip
        changed = change_records(runtime, args.changes)
        print(f"\nchanged {changed} records")
        incremental, incremental_seconds, incremental_calls = pull_everything(runtime)
        results["incremental"] = report(
            "incremental pull", incremental, incremental_seconds, incremental_calls
        )
        results["incremental_share"] = {
            "calls": round(results["incremental"]["api_calls"] / full_calls, 4),
            "seconds": round(incremental_seconds / full_seconds, 4),
        }
        results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(f"\nincremental / full: calls {results['incremental_share']['calls']:.1%}, "
              f"time {results['incremental_share']['seconds']:.1%}; "
              f"peak memory {results['peak_rss_mb']} MB")  # fmt: skip
    out = Path("bench/results") / f"salesforce-pull-{args.preset}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"results written to {out}")


if __name__ == "__main__":
    main()
