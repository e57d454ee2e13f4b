"""How big a preset's Microsoft 365 tenant is, without generating all of it.

Every mail rate of a preset is per account or scales with the accounts (see
`Preset.scaled`), and so do client meetings; only team calls and personal
calendar entries depend on the staff alone (they are the events about no
account). A sample of the same company on fewer accounts, its account-driven
part multiplied up, therefore gives the full preset's messages and events
within a few per cent; mailboxes depend on the staff alone and are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sandbox.seed.company import generate
from sandbox.seed.presets import Preset, preset_named

#: the accounts of the sample the estimate is made from
SAMPLE_ACCOUNTS = 2_000


@dataclass(frozen=True)
class GraphSizes:
    """What a tenant holds: mailboxes (Graph users), messages and calendar events."""

    mailboxes: int
    messages: int
    events: int


def _counts(preset: str | Preset, today: date) -> tuple[GraphSizes, int]:
    """The tenant's sizes, and how many of its events are about no client account."""
    seed = generate(preset, today)
    graph, about = seed.graph, seed.truth.event_accounts
    events = [event for events in graph.events.values() for event in events]
    sizes = GraphSizes(
        mailboxes=len(graph.users),
        messages=sum(len(messages) for messages in graph.messages.values()),
        events=len(events),
    )
    return sizes, sum(1 for event in events if about[event["iCalUId"]] is None)


def graph_sizes(preset: str | Preset, today: date) -> GraphSizes:
    """Count the tenant of `preset` as generated."""
    return _counts(preset, today)[0]


def estimated_graph_sizes(
    preset: str | Preset, today: date, sample_accounts: int = SAMPLE_ACCOUNTS
) -> GraphSizes:
    """The tenant of `preset` extrapolated from a sample of `sample_accounts` accounts."""
    sizes = preset if isinstance(preset, Preset) else preset_named(preset)
    if sizes.accounts <= sample_accounts:
        return graph_sizes(sizes, today)
    sample, staff_events = _counts(sizes.scaled(sample_accounts), today)
    factor = sizes.accounts / sample_accounts
    return GraphSizes(
        mailboxes=sample.mailboxes,
        messages=round(sample.messages * factor),
        events=staff_events + round((sample.events - staff_events) * factor),
    )
