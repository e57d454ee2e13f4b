"""Pure pandas transforms: mirror tables in, analytic tables, plans and rendered reports out."""

from __future__ import annotations

from transforms.deadlines import collect_deadlines
from transforms.digest import render_digest
from transforms.engagement import account_engagement
from transforms.key_accounts import select_key_accounts
from transforms.todo_plan import plan_todo_tasks, unassigned_deadlines
from transforms.workbook import build_workbook

__all__ = [
    "account_engagement",
    "build_workbook",
    "collect_deadlines",
    "plan_todo_tasks",
    "render_digest",
    "select_key_accounts",
    "unassigned_deadlines",
]
