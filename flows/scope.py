"""Whose mailboxes this run reads: the configured KAMs and the people on key accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from connectors.m365.users import tenant_users
from flows.progress import step
from flows.reconcile import key_accounts_of, mirror_frame, salesforce_tables
from flows.runtime import Runtime
from transforms.mailbox_scope import CONFIGURED, MailboxScope, mailboxes_in_scope

KEY_ACCOUNT_OBJECTS = ("Account", "Opportunity", "User")


@task(name="mailbox-scope", cache_policy=NO_CACHE)
def mailbox_scope(runtime: Runtime, today: date) -> MailboxScope:
    """Configured mailboxes plus key-account owners and team members found in the tenant."""
    # only what key accounts and their teams need: reconcile reads the rest later
    tables = salesforce_tables(runtime, KEY_ACCOUNT_OBJECTS)
    team = mirror_frame(runtime.store, "salesforce", "AccountTeamMember", ["AccountId", "UserId"])
    scope = mailboxes_in_scope(
        runtime.settings.m365.mailboxes,
        key_accounts_of(runtime, tables, today),
        team,
        tables["User"],
        tenant_users(runtime.graph),
    )
    configured = len(runtime.settings.m365.mailboxes)
    step(
        "pull",
        f"{len(scope.mailboxes)} mailboxes in scope ({configured} configured, "
        f"{len(scope.mailboxes) - configured} from key-account teams); "
        f"{len(scope.unmatched)} people without a usable mailbox",
    )
    if len(scope.unmatched) and FlowRunContext.get() is not None:
        create_table_artifact(
            key="kam-cycle-unmatched-people",
            table=[
                {str(k): str(v) for k, v in row.items()}
                for row in scope.unmatched.to_dict("records")
            ],
            description="People on key accounts whose mailbox kamsync could not read",
        )
    return scope


def mailboxes_to_read(configured: Sequence[str], scope: MailboxScope) -> list[str]:
    """The configured mailboxes as written in config, then the others in scope by UPN."""
    others = [
        str(row["mailbox"])
        for row in scope.mailboxes.to_dict("records")
        if CONFIGURED not in row["reasons"]
    ]
    return [*configured, *others]
