"""`kamsync verify`: what kamsync believes (the store) against what the services hold.

An operator's check after an incident, a crash or a restore: mirror counts per
Salesforce object against the org's COUNT(), the store's To Do links against the
tasks in each KAM's To Do (missing, orphaned, duplicated by the Salesforce id kept in
`linkedResources.externalId`), outbox entries still pending or failed, and digests
found more than once in Sent Items. It only reads; it writes nothing anywhere.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from config.loader import load_settings
from config.settings import Settings
from connectors.errors import BudgetExhausted, ConnectorConfigError, ConnectorError
from connectors.m365 import default_list_id, linked_tasks, read_messages
from connectors.salesforce import PullPlan, count_objects, objects_for, plan_pull
from flows.credentials import with_block_credentials
from flows.runtime import Runtime


@dataclass(frozen=True)
class Finding:
    """One thing that is off: which check, where, and what."""

    check: str
    where: str
    detail: str


def verify_config(config_file: Path | None) -> list[Finding]:
    """`verify` on the settings of a config file (with credential blocks' secrets); a daily
    API budget that runs out midway is a ConnectorError, never a clean result."""
    settings = with_block_credentials(load_settings(config_file))
    try:
        return verify(settings)
    except BudgetExhausted as exc:
        raise ConnectorError(f"verify stopped before checking everything: {exc}") from None


def verify(settings: Settings) -> list[Finding]:
    """Every check, in order; an empty list means the store and the services agree."""
    runtime = Runtime(settings)
    try:
        return [
            *mirror_counts(runtime),
            *todo_links(runtime),
            *outbox_entries(runtime),
            *digests_sent_twice(runtime),
        ]
    finally:
        runtime.close()


def mirror_counts(runtime: Runtime) -> list[Finding]:
    """Live records per Salesforce object: the mirror against the org's COUNT()."""
    client, store = runtime.salesforce, runtime.store
    plans: dict[str, PullPlan] = {}
    for spec in objects_for(runtime.settings):
        try:
            description = client.describe(spec.name)
        except ConnectorConfigError:
            if spec.optional:
                continue  # not in this org: the pull skips it too
            raise
        plans[spec.name] = plan_pull(
            description, spec.fields, extra_fields=spec.extra_fields, cursor=spec.cursor
        )
    in_org = count_objects(client, plans)
    findings = []
    for name, count in in_org.items():
        mirrored = store.count("salesforce", name)
        if mirrored != count:
            findings.append(
                Finding("mirror count", name, f"{mirrored} mirrored, {count} in the org")
            )
    return findings


def todo_links(runtime: Runtime) -> list[Finding]:
    """Each KAM's linked To Do tasks against the store's links."""
    findings = []
    for mailbox in runtime.settings.m365.mailboxes:
        links = runtime.store.task_links(mailbox)
        lists = {default_list_id(runtime.graph, mailbox), *links["list_id"].astype(str)}
        tasks = pd.concat(
            [linked_tasks(runtime.graph, mailbox, list_id) for list_id in sorted(lists)],
            ignore_index=True,
        )
        findings += _link_findings(mailbox, links, tasks)
    return findings


def _link_findings(mailbox: str, links: pd.DataFrame, tasks: pd.DataFrame) -> list[Finding]:
    task_ids = set(tasks["id"].astype(str))
    linked_ids = set(links["task_id"].astype(str))
    findings = [
        Finding("To Do link", mailbox, f"record {record}: linked task {task_id} is not in To Do")
        for record, task_id in zip(links["external_id"], links["task_id"], strict=True)
        if str(task_id) not in task_ids
    ]
    findings += [
        Finding("To Do link", mailbox, f"record {record}: task {task_id} has no link in the store")
        for record, task_id in zip(tasks["external_id"], tasks["id"], strict=True)
        if str(task_id) not in linked_ids
    ]
    findings += [
        Finding("duplicate task", mailbox, f"record {record}: {count} tasks in To Do")
        for record, count in Counter(tasks["external_id"].astype(str)).items()
        if count > 1
    ]
    return findings


def outbox_entries(runtime: Runtime) -> list[Finding]:
    """Operations the outbox still holds as pending or failed (the next run applies them)."""
    return [
        Finding(
            f"outbox {operation.status}",
            operation.kind,
            operation.key + (f": {operation.error}" if operation.error else ""),
        )
        for operation in runtime.store.pending()
    ]


def digests_sent_twice(runtime: Runtime, today: date | None = None) -> list[Finding]:
    """Digests kamsync sent (done outbox entries, one a day within the mail horizon) found
    more than once in the sender's Sent Items."""
    settings = runtime.settings
    days = settings.m365.mail_horizon_days
    sender = settings.reports.sender
    last = today or datetime.now(UTC).date()
    sent = [
        operation
        for day in range(days + 1)
        if (operation := runtime.store.operation(digest_key(last - timedelta(day), sender)))
        and operation.status == "done"
    ]
    if not sent:
        return []
    subjects = Counter(
        subject
        for batch in read_messages(runtime.graph, sender, "sentitems", None, timedelta(days))
        for subject in batch.messages["subject"]
    )
    return [
        Finding("mail sent twice", sender, f"{count}x {subject!r} ({operation.key})")
        for operation in sent
        if (count := subjects[subject := str(operation.payload["subject"])]) > 1
    ]


def digest_key(day: date, sender: str) -> str:
    """The outbox key of a day's digest (as flows/report.py's send_digest writes it)."""
    return f"mail.digest:{day.isoformat()}:{sender}"


def print_findings(console: Console, findings: list[Finding]) -> None:
    """A table of what is off, or one line saying all agree."""
    if not findings:
        console.print("verify: the store and the services agree (nothing off)")
        return
    table = Table(title=f"kamsync verify: {len(findings)} things off")
    for column in ("Check", "Where", "What is off"):
        table.add_column(column)
    for finding in findings:
        table.add_row(finding.check, finding.where, finding.detail)
    console.print(table)
