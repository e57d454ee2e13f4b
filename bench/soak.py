"""Kill soak (`make soak`, not in `make test`): cycles killed with SIGKILL at random moments.

Until SOAK_KILLS cycles were killed: a fresh copy of one seeded tiny sandbox, a cycle killed
at a random moment of its run (uniform over a clean cycle's duration, as `kill -9` or
the OOM killer would), reruns until one completes, then `kamsync verify` and the whole
end state compared with a clean cycle's on the same seed. Prints one line per kill and
the tally: kills, reruns, differences (0 expected); exits 1 on any difference.

    python -m bench.soak [--kills 20] [--seed 1] [--max-reruns 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.cycle_runs import SandboxCopy, prefect_server, run_to_completion, seed_state
from tests.e2e.end_state import EndState, differences


@dataclass
class Tally:
    kills: int = 0
    #: cycles that ended before their kill time came (nothing to kill)
    finished_first: int = 0
    reruns: int = 0
    differences: int = 0
    verify_failures: int = 0

    def line(self) -> str:
        return (
            f"kills: {self.kills}, reruns: {self.reruns}, differences: {self.differences}, "
            f"verify failures: {self.verify_failures} "
            f"(cycles that finished before their kill time: {self.finished_first})"
        )


def kill_at_random(sandbox: SandboxCopy, after_seconds: float) -> bool:
    """Start a cycle and SIGKILL it `after_seconds` later; False if it ended before."""
    command = [sys.executable, "-m", "flows.cli", *sandbox.cycle_args()]
    process = subprocess.Popen(
        command, env=sandbox.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        process.wait(timeout=after_seconds)
        return False
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return True


def soak_one(
    sandbox: SandboxCopy, clean: EndState, after: float, max_reruns: int, tally: Tally
) -> str:
    """One kill, its reruns, the verify and the comparison; returns the line to print."""
    killed = kill_at_random(sandbox, after)
    tally.kills += killed
    tally.finished_first += not killed
    runs = run_to_completion(sandbox, max_reruns)
    tally.reruns += len(runs)
    verify = sandbox.verify()
    tally.verify_failures += verify.returncode != 0
    found = differences(clean, sandbox.end_state()) if runs[-1].returncode == 0 else ["no rerun"]
    tally.differences += len(found)
    what = "killed" if killed else "finished first"
    outcome = "same end state" if not found else "; ".join(found)
    return (
        f"at {after:5.1f} s: {what}; {len(runs)} rerun(s) -> exit {runs[-1].returncode}; "
        f"verify exit {verify.returncode}; {outcome}"
    )


def soak(kills: int, seed: int, max_reruns: int, home: Path) -> Tally:
    rng = random.Random(seed)
    tally = Tally()
    seeded = seed_state(home / "seed")
    with prefect_server(home / "prefect") as server:
        with SandboxCopy(seeded, home / "clean", server.api_url) as sandbox:
            clean_run = sandbox.cycle()
            if clean_run.returncode != 0:
                raise SystemExit(f"the clean cycle failed: {clean_run.describe()}")
            clean = sandbox.end_state()
        print(f"clean cycle: {clean_run.seconds:.1f} s", flush=True)
        attempt = 0
        while tally.kills < kills and attempt < 2 * kills:  # a cycle may end before its time
            attempt += 1
            after = rng.uniform(0.5, clean_run.seconds)
            with SandboxCopy(seeded, home / "soak", server.api_url) as sandbox:
                line = soak_one(sandbox, clean, after, max_reruns, tally)
            print(f"attempt {attempt} (kills {tally.kills}/{kills}) {line}", flush=True)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=int(os.environ.get("SOAK_KILLS", "20")))
    parser.add_argument("--seed", type=int, default=1, help="seed of the kill times")
    parser.add_argument("--max-reruns", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    home = args.keep or Path(tempfile.mkdtemp(prefix="kamsync-soak-"))
    started = time.monotonic()
    try:
        tally = soak(args.kills, args.seed, args.max_reruns, home)
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)
    print(f"soak: {tally.line()} in {time.monotonic() - started:.0f} s")
    if tally.differences or tally.verify_failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
