"""What a pull yields: a page of changed records and the watermark to commit with it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Batch:
    """One page of changed records and the watermark to commit with it (None: not yet)."""

    object_name: str
    records: pd.DataFrame
    watermark: str | None
    via: str = "rest"
