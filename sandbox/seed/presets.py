"""How big each seeded company is.

A preset sets head counts and per-account rates; every generator works from
these numbers, so a bigger preset is one more entry here, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Preset:
    """Sizes and rates of one synthetic company."""

    name: str
    accounts: int
    kams: int
    reps: int
    #: Salesforce users who sit on key accounts' teams besides the KAM and a rep
    success_managers: int
    solutions_engineers: int
    #: share of accounts that are big clients (the ~80 % of revenue)
    big_share: float
    #: small accounts flagged Key_Account__c for strategic reasons
    strategic_accounts: int
    #: share of accounts that have never bought anything
    prospect_share: float
    #: share of small clients (not key) with a supply agreement
    small_contract_share: float
    #: multiply the per-account numbers of tasks, cases and meetings
    task_scale: float
    case_scale: float
    meeting_scale: float
    #: multiplies the per-account number of client email threads
    mail_scale: float
    #: internal email threads between employees (per employee)
    internal_threads_per_employee: float
    #: newsletters received per mailbox over the mail window
    newsletters_per_mailbox: int
    #: how many distinct first and last names people are drawn from
    name_pool: int
    #: products in the price book (spread over every product family)
    products: int

    def scaled(self, accounts: int) -> Preset:
        """The same company rates and staff on `accounts` accounts, named "<name>-<accounts>".

        Internal mail and newsletters per mailbox scale with the accounts too, so the
        mailboxes keep the preset's mix of client and other mail.
        """
        factor = accounts / self.accounts
        return replace(
            self,
            name=f"{self.name}-{accounts}",
            accounts=accounts,
            strategic_accounts=max(_MIN_STRATEGIC, round(self.strategic_accounts * factor)),
            internal_threads_per_employee=self.internal_threads_per_employee * factor,
            newsletters_per_mailbox=max(1, round(self.newsletters_per_mailbox * factor)),
        )


#: flagged small accounts every company has, however small
_MIN_STRATEGIC = 2


_PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="tiny",
            accounts=30,
            kams=2,
            reps=2,
            success_managers=1,
            solutions_engineers=1,
            big_share=0.12,
            strategic_accounts=2,
            prospect_share=0.15,
            small_contract_share=0.7,
            task_scale=1.0,
            case_scale=1.0,
            meeting_scale=1.0,
            mail_scale=0.6,
            internal_threads_per_employee=1.5,
            newsletters_per_mailbox=3,
            name_pool=300,
            products=15,
        ),
        Preset(
            name="demo",
            accounts=300,
            kams=4,
            reps=6,
            success_managers=2,
            solutions_engineers=1,
            big_share=0.12,
            strategic_accounts=3,
            prospect_share=0.15,
            small_contract_share=0.7,
            task_scale=1.0,
            case_scale=1.0,
            meeting_scale=1.0,
            mail_scale=1.0,
            internal_threads_per_employee=6.0,
            newsletters_per_mailbox=12,
            name_pool=600,
            products=40,
        ),
        # About 100k accounts, 300k contacts, 500k opportunities, 200k cases,
        # 100k contracts, 1M tasks and events, 50 mailboxes with 500k messages
        # and 100k calendar events: the benchmark scale.
        Preset(
            name="large",
            accounts=100_000,
            kams=15,
            reps=22,
            success_managers=3,
            solutions_engineers=2,
            big_share=0.12,
            strategic_accounts=40,
            prospect_share=0.15,
            small_contract_share=1.0,
            task_scale=3.8,
            case_scale=2.0,
            # client meetings, and client and shared-mailbox threads, tuned so the
            # tenant lands near 500k messages and 100k events (see sizes.py)
            meeting_scale=0.55,
            mail_scale=0.4,
            internal_threads_per_employee=300.0,
            newsletters_per_mailbox=500,
            name_pool=1000,
            products=45,
        ),
    )
}

# A fifth of `large` with the same rates (about 1M records): benchmarks that fit
# the sandbox's in-memory store on a 24 GiB machine.
_PRESETS["medium"] = replace(_PRESETS["large"].scaled(20_000), name="medium")
_PRESETS = {name: _PRESETS[name] for name in ("tiny", "demo", "medium", "large")}

PRESETS: tuple[str, ...] = tuple(_PRESETS)


def preset_named(name: str) -> Preset:
    """The preset called `name` (ValueError naming the choices when there is none)."""
    try:
        return _PRESETS[name]
    except KeyError:
        choices = ", ".join(PRESETS)
        raise ValueError(f"unknown seed preset {name!r}; choose one of: {choices}") from None
