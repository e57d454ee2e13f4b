"""A cycle killed with SIGKILL at any step that writes, then rerun, ends as a clean run does.

Every registered crash point (flows/crashpoints.py) is killed at. The points are grouped
in two chains in cycle order (the pulls; the writes), each on a fresh copy of the seeded
tiny sandbox: the first run dies at the chain's first point, its rerun at the second,
and so on, then a last rerun completes. Each run must die by SIGKILL (a point no longer
reached fails the test). After the last rerun `kamsync verify` finds nothing off and the
whole end state (mirror, To Do tasks and links, OneDrive files, mails, CRM records,
outbox) equals a clean run's on the same seed, with no duplicate. Chains, not one copy
per point, keep the file within about 3 minutes on 2 cores: each point costs one
(partial) cycle, each chain one sandbox start and one completing rerun.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.crashpoints import CRASH_ENV, CRASH_POINTS
from tests.e2e.cycle_fixtures import verify_exit_code, verify_findings
from tests.e2e.cycle_runs import SandboxCopy, run_to_completion
from tests.e2e.end_state import EndState, differences

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

#: Crash points in the order a cycle reaches them, in two chains: the pulls (they write
#: only the mirror) and the writes (outbox, To Do, OneDrive, mail, run record).
CHAINS = {
    "pulls": [
        "salesforce.page_mirrored",
        "salesforce.watermark_saved",
        "salesforce.object_pulled",
        "salesforce.mirror_checked",
        "m365.page_mirrored",
        "m365.mailbox_pulled",
        "m365.calendar_pulled",
    ],
    "writes": [
        "outbox.planned",
        "push.batch_sent",
        "push.batch_marked",
        "report.uploaded",
        "digest.enqueued",
        "digest.sent",
        "digest.marked",
        "cycle.finishing",
    ],
}


def used_crash_points() -> dict[str, list[str]]:
    """Every `crash_point("...")` call in flows/ and connectors/: name -> files using it."""
    used: dict[str, list[str]] = {}
    for path in [*ROOT.glob("flows/*.py"), *ROOT.glob("connectors/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "crash_point"
            ):
                argument = node.args[0]
                assert isinstance(argument, ast.Constant), f"{path}: crash_point needs a literal"
                used.setdefault(str(argument.value), []).append(path.name)
    return used


def test_every_crash_point_used_is_registered_and_every_registered_one_is_used() -> None:
    used = used_crash_points()
    assert set(used) - set(CRASH_POINTS) == set(), "crash points used but not registered"
    assert set(CRASH_POINTS) - set(used) == set(), "registered crash points nowhere used"
    assert all(len(files) == 1 for files in used.values()), f"a point used twice: {used}"


def test_every_registered_crash_point_is_killed_at_here() -> None:
    chained = [point for chain in CHAINS.values() for point in chain]
    assert sorted(chained) == sorted(CRASH_POINTS)


def test_a_crash_point_kills_only_when_named_and_on_its_nth_time() -> None:
    script = (
        "from flows.crashpoints import crash_point\n"
        "for n in range(3):\n"
        "    crash_point('push.batch_sent')\n"
        "    print('passed', n + 1, flush=True)\n"
    )

    def run(crash_at: str | None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
        if crash_at is not None:
            env[CRASH_ENV] = crash_at
        return subprocess.run(
            [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
            check=False,
        )  # fmt: skip

    assert run(None).stdout.split("\n")[-2] == "passed 3"
    assert run("digest.sent").returncode == 0
    second = run("digest.sent,push.batch_sent@2")
    assert (second.returncode, second.stdout.strip()) == (-9, "passed 1")
    unknown = run("push.batch_snet")
    assert unknown.returncode == 1
    assert "push.batch_snet" in unknown.stderr and "no crash point" in unknown.stderr


@pytest.mark.parametrize("chain", list(CHAINS))
def test_killed_at_each_point_then_rerun_ends_as_a_clean_run(
    chain: str, cycle_seed: tuple[Path, str], clean_end_state: EndState, tmp_path: Path
) -> None:
    seed, api_url = cycle_seed
    with SandboxCopy(seed, tmp_path / "state", api_url) as sandbox:
        for point in CHAINS[chain]:
            run = sandbox.cycle(crash_at=point)
            assert run.killed, f"not killed at {point} (never reached?): {run.describe()}"
            if point == "push.batch_marked":  # To Do has tasks the outbox has not marked
                assert verify_exit_code(sandbox)[0] == 1
                assert any(line.startswith("outbox pending") for line in verify_findings(sandbox))
        runs = run_to_completion(sandbox, attempts=1)
        assert runs[-1].returncode == 0, runs[-1].describe()
        code, output = verify_exit_code(sandbox)
        assert code == 0, output
        assert differences(clean_end_state, sandbox.end_state()) == []
