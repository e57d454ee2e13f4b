"""Shared helpers that turn mirror-table values (raw Salesforce/Graph JSON) into typed columns."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: an analysis makes millions of lists, strings
    and small frames and none forms a cycle, so collections run over and over for nothing.
    Restored (if it was on) however the block ends."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def require_columns(frame: pd.DataFrame, frame_name: str, columns: Iterable[str]) -> None:
    """Raise ValueError naming the frame and every required column it lacks."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{frame_name} frame is missing required column(s): {', '.join(missing)}")


def to_date(values: pd.Series) -> pd.Series:
    """Parse Salesforce dates ("2026-11-27") to midnight timestamps; NaT when empty or bad."""
    return pd.to_datetime(values, errors="coerce", format="ISO8601")


def to_datetime_utc(values: pd.Series) -> pd.Series:
    """Parse ISO datetimes ("...T03:40:16.000+0000" or "...Z") to UTC timestamps; NaT when bad."""
    return pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")


def as_python_dates(days: pd.Series) -> pd.Series:
    """Turn parsed day timestamps into an object column of `datetime.date` (None when missing)."""
    return pd.Series(
        [None if pd.isna(day) else day.date() for day in days], index=days.index, dtype=object
    )


def day_timestamp(day: dt.date) -> pd.Timestamp:
    """The midnight timestamp of a date, comparable with `to_date` columns."""
    return pd.Timestamp(day.year, day.month, day.day)


def to_number(values: pd.Series) -> pd.Series:
    """Parse a numeric column to float; empty or non-numeric values become 0.0."""
    return pd.to_numeric(values, errors="coerce").fillna(0.0).astype(float)


def to_bool(values: pd.Series) -> pd.Series:
    """Read a checkbox column: true (or "true"/1 from a text store) is True, anything else False.

    Each distinct value is judged once (millions of rows in a fraction of a second)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.fillna(False).astype(bool)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.eq(1)
    distinct = _distinct(values)
    if distinct is None:  # unhashable values (lists from JSON): judge each one
        return pd.Series([_is_true(value) for value in values], index=values.index, dtype=bool)
    codes, uniques = distinct
    table = np.array([*(_is_true(value) for value in uniques), False], dtype=bool)
    return pd.Series(table[codes], index=values.index, dtype=bool)


def to_text(values: pd.Series) -> pd.Series:
    """A text column with missing values as None, so it serialises cleanly everywhere."""
    missing = values.isna().to_numpy()
    text = values.astype(str).to_numpy(dtype=object, copy=True)
    text[missing] = None
    return pd.Series(text, index=values.index, dtype=object)


def lower_text(values: pd.Series) -> pd.Series:
    """The text values of a column stripped and lower-cased (each distinct value once); None
    where the value is not text."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    table = [value.strip().lower() if isinstance(value, str) else None for value in uniques]
    return pd.Series(np.array([*table, None], dtype=object)[codes], index=values.index)


def column_or(frame: pd.DataFrame, column: str | None, default: Any) -> pd.Series:
    """The named column, or a column filled with `default` when it is absent (optional fields)."""
    if column is not None and column in frame.columns:
        return frame[column]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object)


def lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """`values` (indexed by a unique key) read at each of `keys`, NaN/NaT where absent.

    Unlike `Series.map` it works for an empty `values` of any dtype (pandas casts an empty
    mapper to float64, which fails for datetimes: the 0-key-account crash).
    """
    found = values.reindex(pd.Index(keys.to_numpy(dtype=object))).to_numpy()
    return pd.Series(found, index=keys.index)


def _distinct(values: pd.Series) -> tuple[np.ndarray, list[Any]] | None:
    """(codes, distinct values) with missing values coded -1, or None when some value
    cannot be hashed."""
    try:
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    except TypeError:
        return None
    return codes, list(uniques)


def _is_true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    if _is_missing(value):
        return False
    return bool(value == 1)


def _is_missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (list, tuple)) and bool(pd.isna(value)))
