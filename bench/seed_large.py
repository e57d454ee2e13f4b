"""Benchmark: how long the seed generator takes, and how much memory, per preset.

    python -m bench.seed_large [--preset large] [--preset demo ...] [--accounts N]

Times `sandbox.seed.generate()` for each preset in one process, in the order
given, and prints the records per Salesforce object, the Graph messages and
events, seconds and peak RSS. Peak RSS is the process's high-water mark so
far, so give presets smallest first (or one per run). `--accounts` keeps a
preset's rates but changes its number of accounts (see `Preset.scaled`), for a
quick profile.
Target for `large`: a few minutes and a few GB on two cores.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date

from sandbox.seed import PRESETS, Seed, generate
from sandbox.seed.presets import Preset, preset_named


def peak_rss_mib() -> float:
    """The process's peak resident set size so far, in MiB (ru_maxrss is KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def counts(seed: Seed) -> dict[str, int]:
    """Records per Salesforce object, then Graph users, messages and events."""
    graph = seed.graph
    return {
        **{sobject: len(records) for sobject, records in seed.salesforce.items()},
        "graph users": len(graph.users),
        "graph messages": sum(len(messages) for messages in graph.messages.values()),
        "graph events": sum(len(events) for events in graph.events.values()),
    }


def measure(sizes: Preset, today: date) -> None:
    """Generate one preset and print what it made, how long it took and the peak RSS."""
    started = time.perf_counter()
    seed = generate(sizes, today)
    seconds = time.perf_counter() - started
    made = counts(seed)
    print(f"{sizes.name}: {sizes.accounts:,} accounts")
    for what, count in made.items():
        print(f"  {what:<24}{count:>12,}")
    salesforce_total = sum(len(records) for records in seed.salesforce.values())
    print(f"  {'salesforce records':<24}{salesforce_total:>12,}")
    print(f"  {'seconds':<24}{seconds:>12.1f}")
    print(f"  {'peak RSS (MiB)':<24}{peak_rss_mib():>12,.0f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", action="append", choices=PRESETS, help="default: large")
    parser.add_argument("--accounts", type=int, help="override the presets' number of accounts")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    options = parser.parse_args(argv)
    for name in options.preset or ["large"]:
        sizes = preset_named(name)
        if options.accounts:
            sizes = sizes.scaled(options.accounts)
        measure(sizes, options.today)


if __name__ == "__main__":
    main()
