"""Identifiers shaped like the real services' ones.

Salesforce: 15-character record ids with the object's key prefix and the
3-character case-safe suffix (18 characters in all), as the API returns them.
Graph: GUIDs for users and base64-looking opaque ids for items.
"""

from __future__ import annotations

import base64
import hashlib
import uuid

KEY_PREFIXES: dict[str, str] = {
    "User": "005",
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "Case": "500",
    "CaseComment": "00a",
    "Contract": "800",
    "Task": "00T",
    "Event": "00U",
    "Product2": "01t",
    "OpportunityLineItem": "00k",
    "AccountTeamMember": "01M",
    "OpportunityContactRole": "00K",
}

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_POD = "Kz"


def case_safe_suffix(id15: str) -> str:
    """The 3 characters Salesforce appends to a 15-character id (one per 5-char chunk)."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << i
        suffix += _SUFFIX[bits]
    return suffix


def salesforce_id(sobject: str, number: int) -> str:
    """The 18-character id of the `number`-th record of `sobject` (deterministic)."""
    prefix = KEY_PREFIXES.get(sobject, "a0" + _BASE62[len(sobject) % 62])
    digits = ""
    n = number
    for _ in range(10):
        n, rem = divmod(n, 62)
        digits = _BASE62[rem] + digits
    id15 = prefix + _POD + digits
    return id15 + case_safe_suffix(id15)


def to_id18(id15_or_18: str) -> str:
    """Normalise a 15- or 18-character Salesforce id to 18 characters."""
    if len(id15_or_18) == 18:
        return id15_or_18
    return id15_or_18 + case_safe_suffix(id15_or_18)


def graph_guid(*parts: str) -> str:
    """A deterministic GUID (users, tenants, lists) from the given parts."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "kamsync-sandbox/" + "/".join(parts)))


def graph_item_id(*parts: str) -> str:
    """A deterministic opaque item id like Graph's (messages, events, tasks, drive items)."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return "AAMk" + base64.urlsafe_b64encode(digest).decode().rstrip("=")
