"""Pull: mirror changed Salesforce records and Microsoft 365 mail and tasks into the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.m365 import FOLDERS, default_list_id, linked_tasks, read_messages
from connectors.salesforce import ObjectSpec, pull_object
from flows.progress import step
from flows.runtime import Runtime


@dataclass(frozen=True)
class ObjectPull:
    """What one object's pull did: records read this run, records mirrored in all."""

    object_name: str
    mode: str
    pulled: int
    deleted: int
    mirrored: int


@task(name="pull-salesforce-object", task_run_name="pull {spec.name}", cache_policy=NO_CACHE)
def pull_salesforce_object(runtime: Runtime, spec: ObjectSpec) -> ObjectPull:
    """Mirror one object's records changed since its watermark (all of them the first time)."""
    store, stream = runtime.store, f"salesforce:{spec.name}"
    since = store.watermark(stream)
    pulled = deleted = 0
    for batch in pull_object(runtime.salesforce, spec, since):
        records = batch.records
        dead: list[str] = (
            records.loc[records["IsDeleted"].eq(True), "Id"].tolist()
            if "IsDeleted" in records
            else []
        )
        store.upsert_records("salesforce", spec.name, records)
        # The watermark commits with the batch's last write, so a crash re-reads the batch.
        mark = (stream, batch.watermark) if batch.watermark else None
        deleted += store.mark_deleted("salesforce", spec.name, dead, watermark=mark)
        pulled += len(records)
    mirrored = store.count("salesforce", spec.name)
    mode = "full" if since is None else "incremental"
    step("pull", f"{spec.name}: {pulled} read ({mode}), {mirrored} mirrored")
    return ObjectPull(spec.name, mode, pulled, deleted, mirrored)


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
