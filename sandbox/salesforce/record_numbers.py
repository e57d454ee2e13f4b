"""New record ids and auto-numbers, drawn from counters kept in the store.

Numbers are reserved in blocks (one store write per block, not per record) and
counters only move forward, even when a transaction that drew a number rolls
back; a rolled-back id, or the rest of a block after a restart, is never handed
out again (Salesforce leaves the same gaps).
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.ids import salesforce_id
from sandbox.state import Doc, DocStore

META = "_meta"
ID_COUNTERS = "id_counters"
AUTO_NUMBERS = "auto_numbers"
#: Auto-number fields Salesforce fills on create (eight digits).
AUTO_NUMBER_FIELDS = {"Case": "CaseNumber", "Contract": "ContractNumber"}
BLOCK = 100


class RecordNumbers:
    """Hands out the next id of an object and the next value of its auto-number field."""

    def __init__(self, store: DocStore, read: Callable[[str, str], Doc | None]) -> None:
        self._store = store
        self._read = read
        #: (counter doc, sobject) -> [next number, end of the reserved block]
        self._blocks: dict[tuple[str, str], list[int]] = {}

    def next_id(self, sobject: str) -> str:
        """An 18-character id no record of `sobject` has, seeded or created."""
        while True:
            record_id = salesforce_id(
                sobject, self._draw(ID_COUNTERS, sobject, lambda: self._store.count(sobject) + 1)
            )
            if self._read(sobject, record_id) is None:
                return record_id

    def next_auto_number(self, sobject: str) -> tuple[str, str] | None:
        """(field, value) of the object's next `CaseNumber`-style number, or None."""
        field = AUTO_NUMBER_FIELDS.get(sobject)
        if field is None:
            return None

        def after_highest() -> int:
            taken = [
                int(record[field])
                for record in self._store.iter(sobject)
                if str(record.get(field) or "").isdigit()
            ]
            return max(taken, default=0) + 1

        return field, f"{self._draw(AUTO_NUMBERS, sobject, after_highest):08d}"

    def _draw(self, counter: str, sobject: str, first: Callable[[], int]) -> int:
        """The next number of a counter, reserving a new block in the store when needed."""
        block = self._blocks.get((counter, sobject))
        if block is None or block[0] >= block[1]:
            counters = self._store.get(META, counter) or {}
            start = int(counters[sobject]) if sobject in counters else first()
            self._store.put(META, counter, {**counters, sobject: start + BLOCK})
            block = self._blocks[(counter, sobject)] = [start, start + BLOCK]
        number = block[0]
        block[0] += 1
        return number
