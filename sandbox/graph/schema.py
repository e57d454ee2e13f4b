"""The properties each resource type has, which it returns by default, and
how its service words query errors.

`$select`, `$filter` and `$orderby` are checked against these sets so a typo
fails the way it fails on Graph instead of quietly matching nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResourceType:
    """One Graph entity type as the query layer sees it."""

    name: str
    properties: frozenset[str]
    #: returned, in this order, when the client does not `$select` (None: all stored)
    defaults: tuple[str, ...] | None = None
    #: stored but only returned when selected
    select_only: frozenset[str] = frozenset()
    #: "outlook", "directory", "todo" or "drive": the family whose error codes apply
    family: str = "outlook"
    #: extended-property collections: filtered on and `$expand`ed, never selected
    extended: frozenset[str] = frozenset()


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EXTENDED = _names("singleValueExtendedProperties multiValueExtendedProperties")


USER = ResourceType(
    "user",
    _names(
        "id userPrincipalName mail displayName givenName surname jobTitle accountEnabled "
        "businessPhones mobilePhone officeLocation preferredLanguage department companyName "
        "employeeId mailNickname usageLocation userType createdDateTime otherMails "
        "proxyAddresses city country state streetAddress postalCode"
    ),
    defaults=(
        *("businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone"),
        *("officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"),
    ),
    family="directory",
)

MESSAGE = ResourceType(
    "message",
    _names(
        "id createdDateTime lastModifiedDateTime changeKey categories receivedDateTime "
        "sentDateTime hasAttachments internetMessageId subject bodyPreview importance "
        "parentFolderId conversationId conversationIndex isDeliveryReceiptRequested "
        "isReadReceiptRequested isRead isDraft webLink inferenceClassification body sender "
        "from toRecipients ccRecipients bccRecipients replyTo flag uniqueBody "
        "internetMessageHeaders"
    ),
    select_only=_names("uniqueBody internetMessageHeaders"),
    extended=_EXTENDED,
)

MAIL_FOLDER = ResourceType(
    "mailFolder",
    _names(
        "id displayName parentFolderId childFolderCount unreadItemCount totalItemCount "
        "sizeInBytes isHidden"
    ),
)

EVENT = ResourceType(
    "event",
    _names(
        "id createdDateTime lastModifiedDateTime changeKey categories transactionId "
        "originalStartTimeZone originalEndTimeZone iCalUId reminderMinutesBeforeStart "
        "isReminderOn hasAttachments subject bodyPreview importance sensitivity isAllDay "
        "isCancelled isOrganizer responseRequested seriesMasterId showAs type webLink "
        "onlineMeetingUrl isOnlineMeeting onlineMeetingProvider allowNewTimeProposals "
        "isDraft hideAttendees responseStatus body start end location locations recurrence "
        "attendees organizer onlineMeeting"
    ),
    extended=_EXTENDED,
)

TODO_LIST = ResourceType(
    "todoTaskList",
    _names("id displayName isOwner isShared wellknownListName"),
    family="todo",
)

TODO_TASK = ResourceType(
    "todoTask",
    _names(
        "id title body importance status isReminderOn reminderDateTime createdDateTime "
        "lastModifiedDateTime bodyLastModifiedDateTime dueDateTime startDateTime "
        "completedDateTime categories hasAttachments recurrence"
    ),
    family="todo",
)

LINKED_RESOURCE = ResourceType(
    "linkedResource",
    _names("id webUrl applicationName displayName externalId"),
    family="todo",
)

DRIVE_ITEM = ResourceType(
    "driveItem",
    _names(
        "id name size webUrl eTag cTag createdDateTime lastModifiedDateTime file folder root "
        "parentReference createdBy lastModifiedBy fileSystemInfo description"
    ),
    family="drive",
)
