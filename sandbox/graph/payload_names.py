"""Graph reads request bodies without regard to the case of names: `{"Message": {"Subject":
...}, "SaveToSentItems": false}` is `sendMail`'s `message`/`saveToSentItems`.

`fold_names` rewrites every object key that matches a known property or action
parameter in another case to the spelling the stand-in uses, at any depth,
so each route reads one spelling. Names it does not know stay as written
(and meet the route's own unknown-property error); `@` annotations and the
header maps of `$batch` items are left alone.
"""

from __future__ import annotations

from typing import Any

from sandbox.graph import schema


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ACTION_PARAMETERS = _names(
    # sendMail, reply/forward, move/copy, event responses, uploads, workbook sessions, $batch
    "message saveToSentItems comment toRecipients destinationId sendResponse proposedNewTime "
    "item persistChanges deferSendDateTime requests method url body dependsOn values"
)
_COMPLEX_TYPES = _names(
    # emailAddress, itemBody, dateTimeTimeZone, patternedRecurrence, followupFlag, attachments,
    # checklist items, linked resources, mailbox settings, drive item facets
    "emailAddress address name content contentType dateTime timeZone pattern range type "
    "interval daysOfWeek firstDayOfWeek index month dayOfMonth startDate endDate "
    "numberOfOccurrences recurrenceTimeZone flagStatus dueDateTime startDateTime "
    "completedDateTime status response time value contentBytes isInline contentId "
    "contentLocation size isChecked checkedDateTime displayName webUrl applicationName "
    "externalId automaticRepliesSetting externalAudience externalReplyMessage "
    "internalReplyMessage scheduledStartDateTime scheduledEndDateTime workingHours "
    "daysOfWeek startTime endTime language locale dateFormat timeFormat "
    "delegateMeetingMessageDeliveryOptions userPurpose parentReference driveId path folder "
    "file mimeType fileSystemInfo description locationType uniqueId uniqueIdType"
)


def _vocabulary() -> dict[str, str]:
    names: set[str] = set(_ACTION_PARAMETERS | _COMPLEX_TYPES)
    for value in vars(schema).values():
        if isinstance(value, schema.ResourceType):
            names |= value.properties | value.extended
    return {name.lower(): name for name in names}


_CANONICAL = _vocabulary()
_DATA_MAPS = frozenset({"headers"})


def fold_names(value: Any) -> Any:
    """`value` with every known name spelt as Graph documents it (see module doc)."""
    if isinstance(value, list):
        return [fold_names(item) for item in value]
    if not isinstance(value, dict):
        return value
    folded: dict[str, Any] = {}
    for key, item in value.items():
        name = str(key)
        if not name.startswith("@"):
            name = _CANONICAL.get(name.lower(), name)
        if name in folded and name != key:
            continue  # the documented spelling, when both are sent, wins
        folded[name] = item if name in _DATA_MAPS else fold_names(item)
    return folded


def truthy(value: Any, default: bool) -> bool:
    """A Boolean parameter as Graph reads it: JSON true/false or the strings "true"/"false"."""
    if value is None:
        return default
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value is not False
