"""Loading the seed generator's Salesforce records into the stand-in's store."""

from __future__ import annotations

from sandbox.salesforce import schema
from sandbox.state import Doc, DocStore


def load_seed(store: DocStore, records: dict[str, list[Doc]]) -> None:
    """Write seed records (REST API value formats, no `attributes`) with one
    `put_many` per object; an object outside the schema is a seed bug."""
    unknown = sorted(set(records) - set(schema.OBJECTS))
    if unknown:
        raise ValueError(f"seed holds objects the sandbox schema lacks: {', '.join(unknown)}")
    for sobject, rows in records.items():
        store.put_many(sobject, ((row["Id"], row) for row in rows))
