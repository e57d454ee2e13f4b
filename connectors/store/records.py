"""Turning pulled DataFrames into JSON-ready mirror rows and back."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

JsonValue = None | bool | int | float | str | list[Any] | dict[str, Any]


def json_ready(value: Any) -> JsonValue:
    """Convert one DataFrame cell to a plain JSON value: NaN/±inf/NaT/NA → None, numpy → Python."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.datetime64):
        return json_ready(pd.Timestamp(value))
    if isinstance(value, np.generic):
        return json_ready(value.item())
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | np.ndarray):
        return [json_ready(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): json_ready(item) for key, item in value.items()}
    raise TypeError(f"{type(value).__name__} value {value!r} cannot be stored as JSON")


def records_by_id(frame: pd.DataFrame, object_name: str, id_column: str) -> dict[str, dict]:
    """JSON-ready records keyed by id; a later row with the same id replaces an earlier one."""
    if frame.empty:
        return {}
    names = [str(name) for name in frame.columns]
    if id_column not in names:
        raise ValueError(f"{object_name} records have no {id_column!r} column")
    columns = [
        _json_column(frame.iloc[:, position], object_name, name)
        for position, name in enumerate(names)
    ]
    by_id: dict[str, dict] = {}
    for position, values in enumerate(zip(*columns, strict=True)):
        record = dict(zip(names, values, strict=True))
        record_id = record[id_column]
        if record_id is None or record_id == "":
            raise ValueError(f"{object_name} row {position} has no {id_column}")
        by_id[str(record_id)] = record
    return by_id


def _json_column(column: pd.Series, object_name: str, name: str) -> list[JsonValue]:
    """One column as JSON-ready values, vectorised for the common numpy and string dtypes."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return column.to_numpy().tolist()
    if isinstance(dtype, pd.StringDtype):  # holds strings and missing values (NA or NaN)
        return [cell if isinstance(cell, str) else None for cell in column.to_numpy(dtype=object)]
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        # Plain numpy, not pandas' isna/isin: a pull writes many small frames.
        numbers = column.to_numpy()
        cells: list[JsonValue] = numbers.tolist()
        for missing in np.flatnonzero(~np.isfinite(numbers)).tolist():
            cells[missing] = None
        return cells
    values = column.to_numpy(dtype=object).tolist()
    for position, value in enumerate(values):
        try:
            values[position] = json_ready(value)
        except TypeError as exc:
            raise ValueError(f"{object_name} row {position}, column {name!r}: {exc}") from exc
    return values


def modstamp_of(record: Mapping[str, Any], modstamp_column: str | None) -> str | None:
    """The record's modification stamp as a string, when the source has one."""
    if modstamp_column is None:
        return None
    stamp = record.get(modstamp_column)
    return None if stamp is None else str(stamp)


def frame_of(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per record; columns are the union of keys in the order first seen."""
    rows = list(records)
    return pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
