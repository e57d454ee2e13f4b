"""Tenant users: who can be addressed as a mailbox (`users/{upn}`), every page."""

from __future__ import annotations

import pandas as pd

from connectors.m365.client import GraphClient

USER_FIELDS = "id,mail,userPrincipalName,displayName,accountEnabled"
#: Columns of `tenant_users`.
USER_COLUMNS = ["id", "mail", "user_principal_name", "display_name", "account_enabled"]
PAGE_SIZE = 999


def tenant_users(client: GraphClient) -> pd.DataFrame:
    """Every user of the tenant (`accountEnabled` must be selected: Graph omits it by default)."""
    rows = [
        {
            "id": user["id"],
            "mail": user.get("mail"),
            "user_principal_name": user.get("userPrincipalName"),
            "display_name": user.get("displayName"),
            "account_enabled": user.get("accountEnabled") is not False,
        }
        for page in client.pages(
            f"{client.root}/users", {"$select": USER_FIELDS, "$top": PAGE_SIZE}
        )
        for user in page
    ]
    return pd.DataFrame.from_records(rows, columns=USER_COLUMNS)
