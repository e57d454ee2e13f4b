"""Pull from Microsoft 365: each KAM's new mail and the To Do tasks kamsync linked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.m365 import FOLDERS, default_list_id, linked_tasks, read_messages
from flows.progress import step
from flows.runtime import Runtime


@dataclass(frozen=True)
class MailboxPull:
    mailbox: str
    messages: int
    linked_tasks: int


@task(name="pull-mailbox", task_run_name="pull {mailbox}", cache_policy=NO_CACHE)
def pull_mailbox(runtime: Runtime, mailbox: str) -> MailboxPull:
    """Mirror a KAM's new mail (Inbox, Sent Items) and the To Do tasks kamsync linked."""
    store, settings = runtime.store, runtime.settings.m365
    horizon = timedelta(days=settings.mail_horizon_days)
    messages = 0
    for folder in FOLDERS:
        stream = f"m365:messages:{mailbox}:{folder}"
        since = store.watermark(stream)
        for batch in read_messages(runtime.graph, mailbox, folder, since, horizon):
            store.upsert_records(
                "m365", "messages", batch.messages, id_column="id", modstamp_column=None,
                watermark=(stream, batch.watermark),
            )  # fmt: skip
            messages += len(batch.messages)
    tasks = linked_tasks(runtime.graph, mailbox, default_list_id(runtime.graph, mailbox))
    if not tasks.empty:
        store.upsert_records("m365", "todo_tasks", tasks, id_column="id", modstamp_column=None)
        for row in tasks.to_dict("records"):
            store.link_task(mailbox, str(row["external_id"]), str(row["id"]), str(row["list_id"]))
    step("pull", f"{mailbox}: {messages} messages read, {len(tasks)} linked To Do tasks")
    return MailboxPull(mailbox, messages, len(tasks))
