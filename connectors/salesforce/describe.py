"""What an object offers, from `describe` (cached per client, i.e. per run).

The mirror takes every field the integration user can read, except the ones
no pull can carry the same way over REST and Bulk API 2.0: compound fields
(address, location; their parts are plain fields) and base64 blobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from connectors.errors import ConnectorConfigError

SKIPPED_TYPES = frozenset({"address", "location", "base64"})
CURSORS = ("SystemModstamp", "LastModifiedDate", "CreatedDate")


@dataclass(frozen=True)
class ObjectDescription:
    name: str
    #: field name -> Salesforce type, in describe order
    fields: dict[str, str]
    #: formula and roll-up fields: they change without touching SystemModstamp
    calculated: frozenset[str] = frozenset()

    @classmethod
    def from_describe(cls, payload: dict[str, object]) -> ObjectDescription:
        fields = payload.get("fields") or []
        assert isinstance(fields, list)
        return cls(
            str(payload["name"]),
            {str(f["name"]): str(f["type"]) for f in fields},
            frozenset(str(f["name"]) for f in fields if f.get("calculated")),
        )


@dataclass(frozen=True)
class PullPlan:
    """The select list and cursor of one object's pulls."""

    name: str
    fields: tuple[str, ...]
    cursor: str
    has_is_deleted: bool
    #: field -> Salesforce type (to read Bulk API CSV back into REST's JSON values)
    types: dict[str, str]
    #: planned fields the org computes (formulas): refreshed by a periodic full read
    formulas: tuple[str, ...] = ()


def plan_pull(
    description: ObjectDescription,
    required: Sequence[str],
    *,
    extra_fields: Sequence[str] = (),
    cursor: str | None = None,
) -> PullPlan:
    """Fields to select (Id first) and the incremental cursor, checked against describe.

    Without `extra_fields` every readable field is mirrored; with them, only the
    `required` ones, the extras and the bookkeeping fields.
    """
    available = description.fields
    wanted = [*required, *extra_fields]
    missing = [name for name in wanted if name not in available]
    if missing:
        raise ConnectorConfigError(
            f"Salesforce {description.name} has no readable field {', '.join(missing)} "
            "(check the integration user's field-level security, or the field names in config)"
        )
    chosen_cursor = cursor or next((name for name in CURSORS if name in available), None)
    if chosen_cursor is None or chosen_cursor not in available:
        raise ConnectorConfigError(
            f"Salesforce {description.name} has no cursor field ({cursor or ', '.join(CURSORS)}); "
            f"set [salesforce.objects.{description.name}] cursor"
        )
    if extra_fields:  # a chosen list: what kamsync needs, what config adds, the bookkeeping
        deleted_flag = ["IsDeleted"] if "IsDeleted" in available else []
        names = [*wanted, chosen_cursor, *deleted_flag]
    else:  # everything the user can read
        names = [name for name, kind in available.items() if kind not in SKIPPED_TYPES]
    ordered = ["Id", *[name for name in dict.fromkeys(names) if name != "Id"]]
    return PullPlan(
        description.name,
        tuple(ordered),
        chosen_cursor,
        "IsDeleted" in available,
        {name: available[name] for name in ordered},
        tuple(name for name in ordered if name in description.calculated),
    )
