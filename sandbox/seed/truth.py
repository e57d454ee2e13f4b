"""Which accounts are key, computed from the records exactly as emitted."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sandbox.seed.model import Record

REVENUE_WINDOW_DAYS = 365
REVENUE_SHARE = 0.8


def trailing_revenue(opportunities: list[Record], today: date) -> dict[str, float]:
    """Closed-won Amount per AccountId over the last 365 days (today - 365 < CloseDate <= today)."""
    window_start = today - timedelta(days=REVENUE_WINDOW_DAYS)
    revenue: dict[str, float] = defaultdict(float)
    for opportunity in opportunities:
        closed_on = date.fromisoformat(opportunity["CloseDate"])
        if opportunity["IsWon"] and window_start < closed_on <= today:
            revenue[opportunity["AccountId"]] += opportunity["Amount"] or 0.0
    return dict(revenue)


def key_account_ids(accounts: list[Record], opportunities: list[Record], today: date) -> list[str]:
    """Ids of the top accounts making up 80 % of trailing revenue, plus Key_Account__c ones.

    Top accounts: the fewest highest-revenue accounts (ties by Id) whose revenue
    reaches 80 % of the total. Returned in Id order.
    """
    revenue = trailing_revenue(opportunities, today)
    target = REVENUE_SHARE * sum(revenue.values())
    chosen: set[str] = set()
    running = 0.0
    for account_id, amount in sorted(revenue.items(), key=lambda item: (-item[1], item[0])):
        if running >= target:
            break
        chosen.add(account_id)
        running += amount
    chosen.update(account["Id"] for account in accounts if account["Key_Account__c"])
    return sorted(chosen)
