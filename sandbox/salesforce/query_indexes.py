"""In-memory indexes over one org's records, so queries on large objects touch only
the records they return instead of every record of the object:

- sorted runs: an object's records ordered by (field, Id) for the bookkeeping
  datetimes and Id, with a live/deleted flag per record, so
  `WHERE SystemModstamp >= X ORDER BY SystemModstamp, Id` is a bisect and a slice;
- children: an object's records grouped by a reference field, for child subqueries.

Indexes are built on first use and kept in step with the store lazily: each use
compares the store's current documents with the snapshot the index was built
from. The store replaces a document on every write (never edits one in place),
so comparing identities finds every insert and update without any hook in the
writers, and costs no more than a pointer comparison per record. Changed
records are moved in the runs by bisection, never by a full re-sort.
"""

from __future__ import annotations

import operator
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sandbox.salesforce.soql_dates import utc_text
from sandbox.state import Doc, DocStore

#: Fields an object's records can be kept sorted on (with Id breaking ties).
SORTABLE_FIELDS = ("SystemModstamp", "LastModifiedDate", "CreatedDate", "Id")
#: Up to this many changed records are moved within a run's lists in place.
IN_PLACE_LIMIT = 200
#: Past this share of changed records a run is rebuilt rather than patched.
REBUILD_SHARE = 0.25
RangeBounds = tuple[str | None, bool, str | None, bool]
Sequence = TypeVar("Sequence", list[Any], bytearray)


def _field_value(field_name: str) -> Callable[[Doc], str]:
    """The comparable value a run is sorted on (datetimes in `utc_text` form)."""
    if field_name == "Id":
        return operator.itemgetter("Id")
    return lambda record: utc_text(record.get(field_name) or "")


def _live(record: Doc) -> int:
    return 0 if record.get("IsDeleted") else 1


def _spliced(
    sequence: Sequence, removals: list[int], points: list[int], items: list[Any]
) -> Sequence:
    """`sequence` without the items at `removals` (ascending positions) and with each of
    `items` inserted before the position given in `points` (ascending), in one copy."""
    result = sequence[:0]
    previous, pending = 0, iter(removals)
    removal = next(pending, None)
    for point, item in zip(points, items, strict=True):
        while removal is not None and removal < point:
            result += sequence[previous:removal]
            previous, removal = removal + 1, next(pending, None)
        result += sequence[previous:point]
        result.append(item)
        previous = max(previous, point)
    while removal is not None:
        result += sequence[previous:removal]
        previous, removal = removal + 1, next(pending, None)
    result += sequence[previous:]
    return result


def _changed_positions(current: list[Doc], old: list[Doc]) -> list[int]:
    """Positions where `current` holds another object than `old` (same length or longer);
    compared by identity, as flags in C, without touching the documents."""
    flags = bytes(map(operator.is_not, current, old))
    positions, position = [], flags.find(1)
    while position != -1:
        positions.append(position)
        position = flags.find(1, position + 1)
    return positions


@dataclass
class SortedRun:
    """Records ordered by (field, Id): their field values and live flags alongside."""

    field_name: str
    values: list[str] = field(default_factory=list)
    records: list[Doc] = field(default_factory=list)
    live: bytearray = field(default_factory=bytearray)

    def rebuild(self, records: list[Doc]) -> None:
        value = _field_value(self.field_name)
        records.sort(key=lambda record: value(record) + record["Id"])
        self.records = records
        self.values = [value(record) for record in records]
        self.live = bytearray(map(_live, records))

    def replace(self, before: list[Doc], after: list[Doc]) -> None:
        """Take out the `before` versions of changed records and put the `after` ones in:
        in place for a few (a memmove each), else in one copy of each list."""
        value = _field_value(self.field_name)
        if len(before) + len(after) <= IN_PLACE_LIMIT:
            for record in before:
                position = self._position(record, value(record))
                del self.values[position], self.records[position], self.live[position]
            for record in after:
                position = self._insertion_point(record, value(record))
                self.values.insert(position, value(record))
                self.records.insert(position, record)
                self.live.insert(position, _live(record))
            return
        removals = sorted(self._position(record, value(record)) for record in before)
        added = sorted(after, key=lambda record: value(record) + record["Id"])
        points = [self._insertion_point(record, value(record)) for record in added]
        self.values = _spliced(self.values, removals, points, [value(record) for record in added])
        self.records = _spliced(self.records, removals, points, added)
        self.live = _spliced(self.live, removals, points, [_live(record) for record in added])

    def _position(self, record: Doc, value: str) -> int:
        position = bisect_left(self.values, value)
        while self.records[position] is not record:
            position += 1
        return position

    def _insertion_point(self, record: Doc, value: str) -> int:
        """Where (field, Id) order puts the record among the current ones."""
        low = bisect_left(self.values, value)
        high = bisect_right(self.values, value, low)
        return bisect_left(self.records, record["Id"], low, high, key=operator.itemgetter("Id"))

    def between(self, bounds: RangeBounds, include_deleted: bool) -> list[Doc]:
        """The records whose field lies in the bounds, in order (deleted ones if asked)."""
        low, low_inclusive, high, high_inclusive = bounds
        start, end = 0, len(self.values)
        if low is not None:
            start = (bisect_left if low_inclusive else bisect_right)(self.values, low)
        if high is not None:
            end = (bisect_right if high_inclusive else bisect_left)(self.values, high)
        if include_deleted or self.live.count(0, start, end) == 0:
            return self.records[start:end]
        return list(compress(self.records[start:end], self.live[start:end]))


@dataclass
class ObjectIndexes:
    """The indexes of one object, and the store snapshot they reflect."""

    snapshot: list[Doc] = field(default_factory=list)
    runs: dict[str, SortedRun] = field(default_factory=dict)
    children: dict[str, dict[str, list[Doc]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def catch_up(self, current: list[Doc]) -> None:
        """Bring every built index in step with the store's `current` documents."""
        old = self.snapshot
        if len(current) == len(old) and current == old:  # identical objects compare fast
            return
        self.snapshot = current
        if len(current) < len(old):  # a hard delete: start over
            self._rebuild()
            return
        changed = _changed_positions(current, old)
        before = [old[position] for position in changed]
        after = [current[position] for position in changed] + current[len(old) :]
        if len(after) > REBUILD_SHARE * len(current):
            self._rebuild()
            return
        for run in self.runs.values():
            run.replace(before, after)
        for reference_field, groups in self.children.items():
            _regroup(groups, reference_field, before, after)

    def _rebuild(self) -> None:
        for run in self.runs.values():
            run.rebuild(list(self.snapshot))
        for reference_field in self.children:
            self.children[reference_field] = _group(self.snapshot, reference_field)


def _group(records: list[Doc], reference_field: str) -> dict[str, list[Doc]]:
    groups: dict[str, list[Doc]] = {}
    for record in records:
        parent_id = record.get(reference_field)
        if parent_id:
            groups.setdefault(parent_id, []).append(record)
    return groups


def _regroup(
    groups: dict[str, list[Doc]], reference_field: str, before: list[Doc], after: list[Doc]
) -> None:
    """Move changed records between groups; a group list is replaced, never edited,
    so a reader holding the old list keeps a consistent one."""
    for record in before:
        parent_id = record.get(reference_field)
        if parent_id in groups:
            groups[parent_id] = [kept for kept in groups[parent_id] if kept is not record]
    for record in after:
        parent_id = record.get(reference_field)
        if parent_id:
            groups[parent_id] = [*groups.get(parent_id, ()), record]


class StoreIndexes:
    """Every object's indexes for one store (one instance per store, shared by the
    REST query engine and Bulk API jobs)."""

    def __init__(self, store: DocStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._objects: dict[str, ObjectIndexes] = {}

    @contextmanager
    def _current(self, sobject: str) -> Iterator[ObjectIndexes]:
        with self._lock:
            indexes = self._objects.setdefault(sobject, ObjectIndexes())
        with indexes.lock:
            indexes.catch_up(self._store.all(sobject))
            yield indexes

    def sorted_between(
        self, sobject: str, field_name: str, bounds: RangeBounds, *, include_deleted: bool
    ) -> list[Doc]:
        """Records of `sobject` with `field_name` in bounds (low, low inclusive, high, high
        inclusive; None unbounded), ordered by (field, Id)."""
        with self._current(sobject) as indexes:
            run = indexes.runs.get(field_name)
            if run is None:
                run = indexes.runs[field_name] = SortedRun(field_name)
                run.rebuild(list(indexes.snapshot))
            return run.between(bounds, include_deleted)

    def children_of(self, sobject: str, reference_field: str) -> dict[str, list[Doc]]:
        """Records of `sobject` grouped by the parent id in `reference_field`."""
        with self._current(sobject) as indexes:
            groups = indexes.children.get(reference_field)
            if groups is None:
                groups = indexes.children[reference_field] = _group(
                    indexes.snapshot, reference_field
                )
            return groups


_SHARED: WeakKeyDictionary[DocStore, StoreIndexes] = WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def indexes_for(store: DocStore) -> StoreIndexes:
    """The one `StoreIndexes` of a store (created on first use)."""
    with _SHARED_LOCK:
        found = _SHARED.get(store)
        if found is None:
            found = _SHARED[store] = StoreIndexes(store)
        return found
