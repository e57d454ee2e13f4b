"""The `large` preset's Microsoft 365 tenant is the size the benchmarks need.

Generating all of `large` takes minutes (bench/seed_large.py measures it), so
the sizes are extrapolated from a sample of the same company, and the
extrapolation itself is checked against a generated preset.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sandbox.seed.presets import preset_named
from sandbox.seed.sizes import GraphSizes, estimated_graph_sizes, graph_sizes

TODAY = dt.date(2026, 11, 27)
#: what issue 4 asks of `large`: about 50 mailboxes, 500k messages, 100k events
TARGET = GraphSizes(mailboxes=50, messages=500_000, events=100_000)


def test_large_tenant_is_within_a_fifth_of_the_targets() -> None:
    large = estimated_graph_sizes("large", TODAY)
    assert large.mailboxes == pytest.approx(TARGET.mailboxes, rel=0.2)
    assert large.messages == pytest.approx(TARGET.messages, rel=0.2)
    assert large.events == pytest.approx(TARGET.events, rel=0.2)


def test_extrapolation_matches_a_generated_preset() -> None:
    sizes = preset_named("large").scaled(4_000)
    made = graph_sizes(sizes, TODAY)
    estimate = estimated_graph_sizes(sizes, TODAY, sample_accounts=1_000)
    assert estimate.mailboxes == made.mailboxes
    assert estimate.messages == pytest.approx(made.messages, rel=0.05)
    assert estimate.events == pytest.approx(made.events, rel=0.05)


def test_small_presets_are_counted_not_estimated() -> None:
    assert estimated_graph_sizes("tiny", TODAY) == graph_sizes("tiny", TODAY)
