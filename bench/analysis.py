"""Benchmark: the whole analysis of one cycle, on a seeded company's mirror.

    python -m bench.analysis [--preset large] [--profile FILE]

The mirror comes from `bench.analysis_frames` (built once in a child process and kept
in `.kamsync/bench-analysis-<preset>.pkl`), so this process holds only the mirror and
the analysis. Prints the time of each part, the total, the peak RSS and the top costs of
a cProfile run. Targets on `large` (2 cores): ≤ 20 s and ≤ 3 GB peak RSS.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pickle
import pstats
import subprocess
import sys
import time
from datetime import UTC, datetime
from datetime import time as wall_time
from pathlib import Path
from typing import Any

from bench.seed_large import peak_rss_mib
from bench.settings import bench_settings
from sandbox.seed import PRESETS
from transforms.analysis import analyse, key_accounts_from

RESULTS = Path(__file__).parent / "results"
TARGET_SECONDS = 20.0
TARGET_RSS_MIB = 3 * 1024


def load_mirror(preset: str, cache: Path) -> dict[str, Any]:
    if not cache.exists():
        print(f"building the {preset} mirror once into {cache} ...", flush=True)
        command = [sys.executable, "-m", "bench.analysis_frames", "--preset", preset,
                   "--out", str(cache)]  # fmt: skip
        subprocess.run(command, check=True)
    with cache.open("rb") as file:
        loaded: dict[str, Any] = pickle.load(file)
    return loaded


def run_analysis(data: dict[str, Any]) -> tuple[dict[str, float], Any]:
    settings = bench_settings(list(data["kams"]))
    today = data["today"]
    now = datetime.combine(today, wall_time(12), tzinfo=UTC)
    mirror = data["mirror"]
    started = time.perf_counter()
    key = key_accounts_from(mirror.salesforce, settings, today=today)
    keyed = time.perf_counter()
    analysis = analyse(mirror, key, settings, today=today, now=now,
                       instance_url="https://bench.my.salesforce.com")  # fmt: skip
    done = time.perf_counter()
    timings = {"key accounts": keyed - started, "analysis": done - keyed, "total": done - started}
    return timings, analysis


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=PRESETS, default="large")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--profile", type=Path, default=None, help="write the cProfile here")
    args = parser.parse_args(argv)
    cache = args.cache or Path(f".kamsync/bench-analysis-{args.preset}.pkl")
    data = load_mirror(args.preset, cache)
    mirror = data["mirror"]
    loaded_rss = peak_rss_mib()
    print(f"{args.preset}: {sum(len(f) for f in mirror.salesforce.values()):,} CRM records, "
          f"{len(mirror.messages):,} messages, {len(mirror.events):,} events "
          f"(mirror loaded, peak RSS {loaded_rss:,.0f} MiB)")  # fmt: skip
    timings, analysis = run_analysis(data)
    rss = peak_rss_mib()
    for part, seconds in timings.items():
        print(f"  {part:<16}{seconds:>8.2f} s")
    print(f"  {'peak RSS':<16}{rss:>8,.0f} MiB")
    verdict = timings["total"] <= TARGET_SECONDS and rss <= TARGET_RSS_MIB
    print(f"  target ≤ {TARGET_SECONDS:.0f} s and ≤ {TARGET_RSS_MIB:,} MiB: "
          f"{'met' if verdict else 'NOT met'}")  # fmt: skip
    profiler = cProfile.Profile()
    profiler.enable()
    run_analysis(data)
    profiler.disable()
    if args.profile:
        profiler.dump_stats(args.profile)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(r"transforms", 15)
    print("top costs (cumulative, transforms/):")
    print("\n".join(line for line in text.getvalue().splitlines() if "transforms" in line))
    sizes = {name: len(getattr(analysis, name)) for name in analysis.__dataclass_fields__}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"analysis-{args.preset}.json").write_text(json.dumps(
        {"preset": args.preset, "seconds": timings, "peak_rss_mib": rss, "rows": sizes}, indent=2
    ))  # fmt: skip


if __name__ == "__main__":
    main()
