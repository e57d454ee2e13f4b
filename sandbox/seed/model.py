"""What the seed generator produces and both stand-ins load.

Everything is plain JSON-ready data in the services' own shapes, so a stand-in
stores a seeded record exactly as it stores one a client wrote:

- Salesforce records use API field names and the REST API's value formats:
  ids of 18 characters (`sandbox.ids.salesforce_id`), dates `"2026-11-27"`,
  datetimes `"2026-11-27T03:40:16.000+0000"`, numbers as numbers, booleans as
  booleans, missing values as `None`. Each record has `Id`, `CreatedDate`,
  `LastModifiedDate`, `SystemModstamp` and `IsDeleted` (False), and no
  `attributes` (the stand-in adds those when it answers).
- Graph resources use Graph's JSON property names; datetimes are ISO 8601 UTC
  with a `Z` (`"2026-11-27T03:40:16Z"`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

Record = dict[str, Any]


@dataclass
class GraphSeed:
    """The Microsoft 365 tenant: users and what is in their mailboxes."""

    tenant_domain: str
    #: Graph `user` resources: id (GUID), userPrincipalName, mail, displayName,
    #: givenName, surname, jobTitle, accountEnabled.
    users: list[Record]
    #: user id -> `message` resources. Each carries `parentFolderId` set to the
    #: well-known folder name it lives in ("inbox" or "sentitems"); the Graph
    #: stand-in maps those names to its folder ids when it loads the seed.
    messages: dict[str, list[Record]] = field(default_factory=dict)
    #: user id -> `event` resources (meetings with attendees, organizer, iCalUId).
    events: dict[str, list[Record]] = field(default_factory=dict)
    #: user id -> `todoTaskList` resources (at least the default "Tasks" list,
    #: wellknownListName "defaultList").
    todo_lists: dict[str, list[Record]] = field(default_factory=dict)
    #: user id -> `fileAttachment` resources of that user's messages; a message lists
    #: the ids of its own in `_attachmentIds` (the stand-in's private key).
    attachments: dict[str, list[Record]] = field(default_factory=dict)
    #: user id -> (drive path, file bytes) put in that user's OneDrive (e.g. KAM/Goals.xlsx).
    files: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)


@dataclass
class GroundTruth:
    """What the generator knows and kamsync must infer (for accuracy checks)."""

    #: internetMessageId -> Salesforce Account Id the email is really about
    #: (None: not about any client account, e.g. internal or newsletter).
    message_accounts: dict[str, str | None] = field(default_factory=dict)
    #: iCalUId -> Salesforce Account Id the meeting is really about (or None).
    event_accounts: dict[str, str | None] = field(default_factory=dict)
    #: Account Ids the generator made "key" (big trailing-12-month revenue or flagged).
    key_account_ids: list[str] = field(default_factory=list)
    #: Account Id -> the email domains its people write from, the website's first;
    #: some clients use a subsidiary's or a country domain besides their own.
    account_domains: dict[str, list[str]] = field(default_factory=dict)
    #: people who moved from one client to another within the mail window: name,
    #: old/new email and Account Id, moved_on (date), the CRM Contact Id of the old
    #: job and of the new one (None when the CRM was not updated).
    moved_contacts: list[dict[str, Any]] = field(default_factory=list)
    #: addresses of the shared mailboxes (sales@, support@...): Graph users that
    #: receive client mail but belong to no one.
    shared_mailboxes: list[str] = field(default_factory=list)
    #: situations a KAM must be told about: {"kind", "account_id", "ids" (record ids,
    #: internet message ids or addresses involved), "detail"}; kinds are "cold account",
    #: "unanswered mail", "complaint at risk", "complaint breached", "moved contact",
    #: "subsidiary domain", "duplicate account", "overloaded team member",
    #: "renewal at risk" and "unknown correspondent"
    situations: list[dict[str, Any]] = field(default_factory=list)
    #: key accounts on which nothing may be flagged (precision checks)
    clean_account_ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "message_accounts": self.message_accounts,
            "event_accounts": self.event_accounts,
            "key_account_ids": self.key_account_ids,
            "account_domains": self.account_domains,
            "moved_contacts": self.moved_contacts,
            "shared_mailboxes": self.shared_mailboxes,
            "situations": self.situations,
            "clean_account_ids": self.clean_account_ids,
        }


@dataclass
class Seed:
    """A synthetic company: its Salesforce org and its Microsoft 365 tenant."""

    preset: str
    today: date
    company_name: str
    #: sObject name -> records (every object of `sandbox.salesforce.schema.OBJECTS`).
    salesforce: dict[str, list[Record]]
    graph: GraphSeed
    truth: GroundTruth
    #: Email addresses of the KAMs (Salesforce User.Email == Graph user mail/UPN).
    kam_emails: list[str]
