"""Run parameters shared by the flows: typed and described, so the Prefect UI's
"Custom run" shows a form. None of them may carry a secret: Prefect stores parameters
in clear text, so the config is passed by file name and secrets stay in it, the
environment or a credentials block."""

from __future__ import annotations

from pydantic import Field

CONFIG_FILE = Field(
    None,
    description="Path of the kamsync TOML file on the machine that runs the flow "
    "(empty: $KAMSYNC_CONFIG, else ./kamsync.toml). A file name, never a secret.",
)
DRY_RUN = Field(
    False,
    description="Pull and compute everything, write nothing to Salesforce or Microsoft 365 "
    "(the report is kept locally, no task is created, no mail is sent).",
)
MAILBOXES = Field(
    None,
    description="Only these KAM mailboxes (addresses from [m365] mailboxes); "
    "empty: every configured one.",
)
SKIP_PUSH = Field(
    False,
    description="Plan To Do tasks but create, update and complete none; "
    "the report and the digest still go out.",
)
REPORT_DATE = Field(
    None,
    description="The day the deadlines, the report and the digest are computed for (empty: today).",
)
