"""Whose mailboxes this run reads: the configured KAMs and the people on key accounts."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from connectors.m365.users import tenant_users
from flows.mirror_tables import TENANT_USERS
from flows.progress import step
from flows.runtime import Runtime
from transforms.mailbox_scope import CONFIGURED, MailboxScope, mailboxes_in_scope


@task(name="mailbox-scope", cache_policy=NO_CACHE)
def mailbox_scope(runtime: Runtime, key_accounts: pd.DataFrame) -> MailboxScope:
    """Configured mailboxes plus key-account owners and team members found in the tenant.

    The tenant's users are mirrored here too: the analysis reads who has a mailbox."""
    store = runtime.store
    team = store.read_table("salesforce", "AccountTeamMember", columns=["AccountId", "UserId"])
    users = store.read_table("salesforce", "User", columns=["Id", "Name", "Email"])
    tenant = tenant_users(runtime.graph)
    store.replace_records("m365", TENANT_USERS, tenant, id_column="id", where={})
    scope = mailboxes_in_scope(runtime.settings.m365.mailboxes, key_accounts, team, users, tenant)
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
