"""What the CLI shows: live progress while the cycle runs, then its summary."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

STAGES = ("pull", "reconcile", "push", "report")


class CycleProgress:
    """A rich progress display fed by `flows.progress.step`."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks = {
            stage: self.progress.add_task(stage, total=None, start=False) for stage in STAGES
        }

    def __enter__(self) -> CycleProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for task_id in self._tasks.values():
            self.progress.update(task_id, total=1, completed=1)
        self.progress.__exit__(None, None, None)

    def step(self, stage: str, message: str) -> None:
        task_id = self._tasks.get(stage)
        if task_id is None:
            return
        self.progress.start_task(task_id)
        for earlier in STAGES[: STAGES.index(stage)]:
            self.progress.update(self._tasks[earlier], total=1, completed=1)
        self.progress.console.print(f"  [green]✓[/] {stage}: {message}", highlight=False)


def print_summary(console: Console, summary: dict[str, Any]) -> None:
    """The cycle's outcome as a KAM or sales-ops engineer wants to read it."""
    pulls = Table(title="Pulled", title_justify="left", show_edge=False)
    for column in ("Source", "Read this run", "Mirrored", "In the org", "Mode", "API calls"):
        pulls.add_column(column, justify="left" if column in ("Source", "Mode") else "right")
    for pull in summary["objects"]:
        in_org = "" if pull["in_org"] is None else str(pull["in_org"])
        mode = pull["mode"] + (
            f", {pull['via']}" if pull["mode"] in ("full", "incremental") else ""
        )
        pulls.add_row(
            pull["object_name"], str(pull["pulled"]), str(pull["mirrored"]), in_org, mode,
            str(pull["api_calls"]),
        )  # fmt: skip
    console.print(pulls)
    console.print(_mailbox_table(summary))
    dry = summary["dry_run"]
    for pull in summary["objects"]:
        if pull["mode"] == "budget":
            console.print(f"[yellow]{pull['note']}[/]", highlight=False)
        if pull["repaired"]:
            console.print(
                f"[yellow]{pull['object_name']}: the mirror disagreed with the org; "
                f"{pull['repaired']} records re-pulled or marked deleted[/]",
                highlight=False,
            )
    lines = [
        f"Key accounts: [bold]{summary['key_accounts']}[/]",
        f"Deadlines in horizon: [bold]{summary['deadlines']}[/] ({summary['overdue']} overdue, "
        f"{summary['unassigned']} owned by someone without a configured mailbox)",
        (
            f"To Do tasks: would create [bold]{summary['tasks_planned']}[/], update "
            f"{summary['updates_planned']}, complete {summary['completions_planned']}; "
            f"{summary['tasks_in_place']} already in place"
            if dry
            else f"To Do tasks: [bold]{summary['tasks_created']}[/] created, "
            f"{summary['tasks_updated']} updated, {summary['tasks_completed']} completed, "
            f"{summary['tasks_in_place']} already in place" + _failed(summary["pushes"])
        ),
        _report_line(summary["report"]),
        f"Local copy: {summary['report']['local_path']}",
        summary["digest"].get("note") or _digest_line(summary["digest"]),
        f"Data issues: {len(summary.get('data_issues', []))} CRM records skipped, clipped or "
        "reinterpreted (listed in the workbook's Data issues sheet)",
        _findings_line(summary.get("findings", {})),
        f"API calls: Salesforce {summary['api_calls']['salesforce']}, "
        f"Microsoft Graph {summary['api_calls']['graph']}",
    ]
    for line in lines:
        console.print(line, highlight=False)
    if dry and summary["planned"]:
        plan = Table(title="Planned To Do tasks (dry run)", title_justify="left", show_edge=False)
        for column in ("Mailbox", "Due", "Task", "Importance"):
            plan.add_column(column)
        for row in summary["planned"]:
            plan.add_row(row["mailbox"], row["due_date"], row["title"], row["importance"])
        console.print(plan)


def _findings_line(found: dict[str, int]) -> str:
    """What the account analysis found (the workbook's Health, Complaints... sheets)."""
    shown = ", ".join(f"{what} [bold]{count}[/]" for what, count in found.items())
    return f"Account analysis: {shown or 'nothing analysed'} (see the workbook's sheets)"


def _mailbox_table(summary: dict[str, Any]) -> Table:
    """One row per mailbox read: mail and calendar changes mirrored this run."""
    table = Table(
        title=f"Mailboxes ({len(summary['mailboxes'])} in scope"
        + (f"; {summary['unmatched_people']} people on key accounts without one" if
           summary["unmatched_people"] else "") + ")",
        title_justify="left",
        show_edge=False,
    )  # fmt: skip
    for column in ("Mailbox", "Messages", "Events", "Removed", "Linked tasks", "Resynced"):
        table.add_column(column, justify="left" if column == "Mailbox" else "right")
    calendars = {pull["mailbox"]: pull for pull in summary["calendars"]}
    for box in summary["mailboxes"]:
        calendar = calendars.get(box["mailbox"], {})
        resynced = box["resyncs"] + int(bool(calendar.get("resynced")))
        table.add_row(
            box["mailbox"], str(box["messages"]), str(calendar.get("events", "")),
            str(box["removed"] + calendar.get("removed", 0)), str(box["linked_tasks"]),
            str(resynced) if resynced else "",
        )  # fmt: skip
    return table


def _failed(pushes: list[dict[str, Any]]) -> str:
    failed = sum(push["failed"] for push in pushes)
    return f", [red]{failed} failed (retried next run)[/]" if failed else ""


def _report_line(report: dict[str, Any]) -> str:
    if report["onedrive_path"] is None:
        return "Report: not uploaded (dry run)"
    return f"Report in OneDrive: {report['onedrive_path']} ({report['web_url']})"


def _digest_line(digest: dict[str, Any]) -> str:
    recipients = ", ".join(digest["recipients"])
    return {
        "sent": f"Digest email sent to {recipients}",
        "already sent": "Digest email: already sent today (sent once a day)",
        "would send": f"Digest email: would send to {recipients} (dry run)",
    }[digest["status"]]
