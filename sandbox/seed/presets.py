"""How big each seeded company is.

A preset sets head counts and per-account rates; every generator works from
these numbers, so a bigger preset is one more entry here, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """Sizes and rates of one synthetic company."""

    name: str
    accounts: int
    kams: int
    reps: int
    #: share of accounts that are big clients (the ~80 % of revenue)
    big_share: float
    #: small accounts flagged Key_Account__c for strategic reasons
    strategic_accounts: int
    #: share of accounts that have never bought anything
    prospect_share: float
    #: multiplies the per-account numbers of tasks, cases and meetings
    activity_scale: float
    #: multiplies the per-account number of client email threads
    mail_scale: float
    #: internal email threads between employees (per employee)
    internal_threads_per_employee: float
    #: newsletters received per mailbox over the mail window
    newsletters_per_mailbox: int
    #: how many distinct first and last names people are drawn from
    name_pool: int


_PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="tiny",
            accounts=30,
            kams=2,
            reps=2,
            big_share=0.12,
            strategic_accounts=2,
            prospect_share=0.15,
            activity_scale=1.0,
            mail_scale=0.6,
            internal_threads_per_employee=1.5,
            newsletters_per_mailbox=3,
            name_pool=300,
        ),
        Preset(
            name="demo",
            accounts=300,
            kams=4,
            reps=6,
            big_share=0.12,
            strategic_accounts=3,
            prospect_share=0.15,
            activity_scale=1.0,
            mail_scale=1.0,
            internal_threads_per_employee=6.0,
            newsletters_per_mailbox=12,
            name_pool=600,
        ),
    )
}

PRESETS: tuple[str, ...] = tuple(_PRESETS)


def preset_named(name: str) -> Preset:
    """The preset called `name` (ValueError naming the choices when there is none)."""
    try:
        return _PRESETS[name]
    except KeyError:
        choices = ", ".join(PRESETS)
        raise ValueError(f"unknown seed preset {name!r}; choose one of: {choices}") from None
