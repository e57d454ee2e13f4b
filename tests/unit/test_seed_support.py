"""The seeds the seed tests share: every preset a unit test can afford, made once per day.

`large` itself takes minutes (see bench/seed_large.py); its rates run here on 500 accounts.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from sandbox.seed import Seed, generate
from sandbox.seed.presets import Preset, preset_named

LARGE_RATES = preset_named("large").scaled(500)
#: preset name -> sizes, for every preset the unit tests generate
TESTED_PRESETS: dict[str, Preset] = {
    "tiny": preset_named("tiny"),
    "demo": preset_named("demo"),
    LARGE_RATES.name: LARGE_RATES,
}


@cache
def seed_of(preset: str, today: dt.date) -> Seed:
    """The seed of a tested preset as of `today` (generated once per test session)."""
    return generate(TESTED_PRESETS[preset], today)
