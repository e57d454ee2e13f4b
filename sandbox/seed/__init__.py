"""Deterministic seed data for the sandbox: one synthetic company in both services.

`generate(preset, today)` returns the same `Seed` for the same inputs, with every
date placed relative to `today` so the data always looks current.
"""

from __future__ import annotations

from sandbox.seed.company import COMPANY_NAME, TENANT_DOMAIN, generate
from sandbox.seed.model import GraphSeed, GroundTruth, Seed
from sandbox.seed.presets import PRESETS

__all__ = [
    "COMPANY_NAME",
    "PRESETS",
    "TENANT_DOMAIN",
    "GraphSeed",
    "GroundTruth",
    "Seed",
    "generate",
]
