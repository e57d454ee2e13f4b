"""The cycle's one analysis: every analytic table, derived once from one mirror snapshot.

`key_accounts_from` runs first (mailbox scope needs the key accounts before mail is
pulled); `analyse` takes those key accounts and everything else in the mirror and
derives the rest: attribution of every mail and meeting, engagement, complaints against
their SLAs, health and what moved since the last cycle, the team, data quality, deadlines,
the To Do plan and goals. Mailbox scope, the workbook, the digest, the Prefect artifacts
and `kamsync eval` all read the `Analysis`; nothing recomputes a part of it.
Pure: no I/O, no clock (today and now are arguments).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from config.settings import Settings
from transforms.analysis_settings import (
    attribution_settings,
    calendars_of,
    health_weights,
    sla_policy,
)
from transforms.attribution import Attribution, attribute
from transforms.attribution_rules import FREE_MAIL_DOMAINS
from transforms.complaints import complaints_and_slas
from transforms.data_issues import DATA_ISSUE_COLUMNS, data_issues
from transforms.data_quality import data_quality
from transforms.deadlines import collect_deadlines
from transforms.engagement import account_engagement, unanswered_mail
from transforms.frames import collector_paused
from transforms.goals import GOAL_COLUMNS, PROBLEM_COLUMNS, mirrored_goals
from transforms.health import account_health
from transforms.health_changes import health_changes
from transforms.key_accounts import select_key_accounts
from transforms.meetings import meetings_of_accounts, without_unheld_meetings
from transforms.team import account_team
from transforms.todo_plan import (
    closed_record_ids,
    linked_task_states,
    plan_todo_tasks,
    unassigned_deadlines,
)

#: The Salesforce objects and fields the analysis reads, besides each object's connector
#: select list: the store hands over only these, so a big org's mirror fits in memory.
ANALYSIS_FIELDS: Mapping[str, tuple[str, ...]] = {
    "User": ("Email", "FirstName", "IsActive", "LastName", "Name", "Username"),
    "Account": (
        "BillingCity", "BillingCountry", "Industry", "Name", "OwnerId", "ParentId", "Phone",
        "Type", "Website",
    ),
    "Contact": ("AccountId", "CreatedDate", "Email", "FirstName", "LastName", "Name", "OwnerId"),
    "Opportunity": (
        "AccountId", "Amount", "CloseDate", "CurrencyIsoCode", "IsClosed", "IsWon", "Name",
        "OwnerId", "Probability", "StageName", "SystemModstamp", "Type",
    ),
    "Case": (
        "AccountId", "CaseNumber", "ClosedDate", "ContactEmail", "ContactId", "CreatedDate",
        "IsClosed", "LastModifiedDate", "OwnerId", "Priority", "Status", "Subject",
    ),
    "CaseComment": ("CreatedById", "CreatedDate", "IsPublished", "ParentId"),
    "Contract": ("AccountId", "ContractNumber", "EndDate", "OwnerId", "Status", "SystemModstamp"),
    "Task": ("AccountId", "ActivityDate", "IsClosed", "OwnerId", "Priority", "Status", "Subject",
             "SystemModstamp", "WhatId"),
    "AccountTeamMember": ("AccountId", "TeamMemberRole", "UserId"),
    "OpportunityContactRole": ("ContactId", "OpportunityId", "Role", "IsPrimary"),
}  # fmt: skip


def analysis_fields(name: str, select_list: Sequence[str], settings: Settings) -> list[str]:
    """The fields of Salesforce object `name` to read for the analysis: Id, the connector's
    select list, ANALYSIS_FIELDS and the Account fields config names."""
    configured: list[str] = []
    if name == "Account":
        configured = [
            field
            for field in (
                settings.key_accounts.flag_field,
                settings.engagement.tier_field,
                settings.attribution.domain_field,
            )
            if field
        ]
    wanted = ["Id", *select_list, *ANALYSIS_FIELDS.get(name, ()), *configured]
    return list(dict.fromkeys(wanted))


def _empty(columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


@dataclass(frozen=True)
class MirrorFrames:
    """The mirrored tables the analysis reads (filled from the store's read API)."""

    #: Salesforce object name -> its mirrored records (API field names)
    salesforce: Mapping[str, pd.DataFrame]
    #: `m365/messages`, `m365/events`, `m365/todo_tasks`
    messages: pd.DataFrame
    events: pd.DataFrame
    todo_tasks: pd.DataFrame
    #: the store's To Do links (mailbox, external_id, task_id, list_id)
    task_links: pd.DataFrame
    #: each KAM's goals table rows (`kam` + the table's columns) and the last read of each
    goals: pd.DataFrame
    goal_reads: pd.DataFrame
    #: the tenant's users (who has a mailbox)
    tenant_users: pd.DataFrame
    #: what the previous cycle stored (HEALTH_COLUMNS, HEALTH_COMPONENT_COLUMNS)
    previous_health: pd.DataFrame = field(default_factory=pd.DataFrame)
    previous_components: pd.DataFrame = field(default_factory=pd.DataFrame)

    def sobject(self, name: str) -> pd.DataFrame:
        """A mirrored object, or an empty frame when the org has none (optional objects)."""
        return self.salesforce.get(name, pd.DataFrame())


@dataclass(frozen=True)
class Analysis:
    """Everything later steps need, derived from one mirror snapshot."""

    key_accounts: pd.DataFrame
    deadlines: pd.DataFrame
    #: per key account: touches, cadence state, unanswered mail (ENGAGEMENT_COLUMNS)
    engagement: pd.DataFrame
    todo_plan: pd.DataFrame
    unassigned: pd.DataFrame
    #: per key account, the last meeting held with the client and the next one booked
    meetings: pd.DataFrame
    #: CRM records kamsync had to skip, clip or reinterpret (`transforms.data_issues`)
    data_issues: pd.DataFrame = field(default_factory=lambda: _empty(DATA_ISSUE_COLUMNS))
    goals: pd.DataFrame = field(default_factory=lambda: _empty(GOAL_COLUMNS))
    goal_problems: pd.DataFrame = field(default_factory=lambda: _empty(PROBLEM_COLUMNS))
    #: every mirrored mail and meeting with its accounts, rule and evidence
    attribution: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: mail and meetings left out with a reason (internal only, newsletter or no-reply)
    exclusions: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: external correspondents who match no account
    unmatched: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: client mail waiting past the reply SLA
    unanswered: pd.DataFrame = field(default_factory=pd.DataFrame)
    complaints: pd.DataFrame = field(default_factory=pd.DataFrame)
    escalations: pd.DataFrame = field(default_factory=pd.DataFrame)
    health: pd.DataFrame = field(default_factory=pd.DataFrame)
    health_components: pd.DataFrame = field(default_factory=pd.DataFrame)
    health_changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    team: pd.DataFrame = field(default_factory=pd.DataFrame)
    data_quality: pd.DataFrame = field(default_factory=pd.DataFrame)


def key_accounts_from(
    salesforce: Mapping[str, pd.DataFrame], settings: Settings, *, today: dt.date
) -> pd.DataFrame:
    """The key accounts by the configured rule (KEY_ACCOUNT_COLUMNS)."""
    rule = settings.key_accounts
    return select_key_accounts(
        salesforce["Account"], salesforce["Opportunity"], salesforce["User"], today=today,
        revenue_share=rule.revenue_share, lookback_days=rule.lookback_days,
        include_ids=rule.include, exclude_ids=rule.exclude, flag_field=rule.flag_field,
    )  # fmt: skip


def attribution_of(mirror: MirrorFrames, settings: Settings) -> Attribution:
    """Which accounts each mirrored mail and meeting is about, and why."""
    sf = mirror.salesforce
    return attribute(
        mirror.messages, mirror.events, sf["Account"], sf["Contact"],
        mirror.sobject("OpportunityContactRole"), sf["Opportunity"], sf["User"],
        attribution_settings(settings), mailboxes=_mirrored_mailboxes(mirror),
    )  # fmt: skip


def analyse(
    mirror: MirrorFrames,
    key_accounts: pd.DataFrame,
    settings: Settings,
    *,
    today: dt.date,
    now: dt.datetime,
    instance_url: str,
) -> Analysis:
    """The whole analysis of one cycle."""
    with collector_paused():
        return _analyse(mirror, key_accounts, settings, today=today, now=now,
                        instance_url=instance_url)  # fmt: skip


def _analyse(
    mirror: MirrorFrames,
    key_accounts: pd.DataFrame,
    settings: Settings,
    *,
    today: dt.date,
    now: dt.datetime,
    instance_url: str,
) -> Analysis:
    sf = mirror.salesforce
    deadlines = collect_deadlines(
        key_accounts, sf["Task"], sf["Opportunity"], sf["Contract"], today=today,
        horizon_days=settings.deadlines.horizon_days,
        renewal_notice_days=settings.deadlines.renewal_notice_days,
    )  # fmt: skip
    attribution = attribution_of(mirror, settings)
    touches = without_unheld_meetings(attribution.items, mirror.events)
    key_ids = key_accounts["account_id"]
    calendars = calendars_of(settings, sf["Account"])
    unanswered = unanswered_mail(
        touches, mirror.messages, now=now, calendars=calendars.calendars,
        default_calendar=calendars.default, reply_sla_hours=settings.sla.reply_hours,
        account_ids=set(key_ids),
    )  # fmt: skip
    engagement = account_engagement(
        touches, key_accounts, sf["Account"], now=now, unanswered=unanswered,
        cadence_days=settings.engagement.cadence_days, tier_field=settings.engagement.tier_field,
        flag_field=settings.key_accounts.flag_field,
    )  # fmt: skip
    complaints, escalations = complaints_and_slas(
        sf["Case"], mirror.sobject("CaseComment"), key_accounts, sf["Account"], sf["User"],
        touches, policy=sla_policy(settings), calendars=calendars, contacts=sf["Contact"],
        now=now,
    )  # fmt: skip
    health = account_health(
        key_accounts, engagement, complaints, sf["Opportunity"], sf["Contract"], today=today,
        weights=health_weights(settings), green=settings.health.green,
        amber=settings.health.amber, renewal_notice_days=settings.deadlines.renewal_notice_days,
    )  # fmt: skip
    changes = health_changes(
        mirror.previous_components, health.components, mirror.previous_health, health.health
    )
    team = account_team(
        key_accounts, mirror.sobject("AccountTeamMember"), sf["Opportunity"], sf["Case"],
        sf["Task"], sf["User"], touches, now=now, messages=mirror.messages,
        events=mirror.events, overload_factor=settings.team.overload_factor,
        overload_minimum=settings.team.overload_minimum,
    )  # fmt: skip
    quality = data_quality(
        sf["Account"], sf["Contact"], sf["Opportunity"], key_accounts, touches,
        mailboxes=_tenant_mailboxes(mirror, settings), today=today,
        free_mail_domains=FREE_MAIL_DOMAINS | set(settings.attribution.shared_domains),
    )  # fmt: skip
    meetings = meetings_of_accounts(touches, mirror.events, key_ids, now=now)
    mailboxes = settings.m365.mailboxes
    links = linked_task_states(mirror.task_links, mirror.todo_tasks)
    closed = closed_record_ids(sf["Task"], sf["Opportunity"], sf["Contract"])
    plan = plan_todo_tasks(
        deadlines, links, mailboxes=mailboxes, instance_url=instance_url, closed_ids=closed
    )
    goals = mirrored_goals(
        mirror.goals, mirror.goal_reads, sf["Account"], sf["Opportunity"], kams=mailboxes,
        today=today,
    )  # fmt: skip
    return Analysis(
        key_accounts=key_accounts,
        deadlines=deadlines,
        engagement=engagement,
        todo_plan=plan,
        unassigned=unassigned_deadlines(deadlines, mailboxes),
        meetings=meetings,
        data_issues=data_issues(sf),
        goals=goals.goals,
        goal_problems=goals.problems,
        attribution=attribution.items,
        exclusions=attribution.exclusions,
        unmatched=attribution.unmatched,
        unanswered=unanswered,
        complaints=complaints,
        escalations=escalations,
        health=health.health,
        health_components=health.components,
        health_changes=changes,
        team=team,
        data_quality=quality,
    )


def _mirrored_mailboxes(mirror: MirrorFrames) -> list[str]:
    """The mailboxes whose mail or calendar is mirrored."""
    boxes = pd.concat([mirror.messages["mailbox"], mirror.events["mailbox"]]).dropna()
    return sorted({str(box).lower() for box in boxes.unique()})


def _tenant_mailboxes(mirror: MirrorFrames, settings: Settings) -> list[str]:
    """Addresses with a usable mailbox: enabled tenant users (mail and UPN), plus the
    configured and mirrored mailboxes (before the tenant's users are first mirrored)."""
    users = mirror.tenant_users
    boxes = set(settings.m365.mailboxes) | set(_mirrored_mailboxes(mirror))
    if len(users) and {"mail", "user_principal_name", "account_enabled"} <= set(users.columns):
        enabled = users[users["account_enabled"].fillna(True).astype(bool)]
        boxes |= set(enabled["mail"].dropna()) | set(enabled["user_principal_name"].dropna())
    return sorted({str(box).lower() for box in boxes})
