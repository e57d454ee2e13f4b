"""kamsync's share of the org's daily API allocation, shared with every other integration.

The org reports its usage (`Sforce-Limit-Info: api-usage=N/M`) on every
response; kamsync stops before its own calls of the UTC day reach
`share × M`, so a pull ends with "resumes next run" instead of starving the
org's other integrations or failing on REQUEST_LIMIT_EXCEEDED.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from connectors.errors import BudgetExhausted


@dataclass
class ApiBudget:
    share: float
    #: calls earlier kamsync runs made today (UTC)
    spent_today: int = 0
    #: the org's daily allocation, once a response has named it
    daily_limit: int | None = None

    def observe(self, usage: tuple[int, int] | None) -> None:
        if usage is not None:
            self.daily_limit = usage[1]

    @property
    def allowance(self) -> int | None:
        """Calls kamsync may make per day, once the allocation is known."""
        return None if self.daily_limit is None else math.floor(self.share * self.daily_limit)

    def check(self, calls_this_run: int) -> None:
        """Raise `BudgetExhausted` if one more call would pass today's allowance."""
        allowance = self.allowance
        if allowance is not None and self.spent_today + calls_this_run >= allowance:
            raise BudgetExhausted(
                f"kamsync's Salesforce API budget for today is spent "
                f"({self.spent_today + calls_this_run} calls of {allowance}, {self.share:.0%} of "
                f"the org's {self.daily_limit} daily requests); the pull resumes next run"
            )
