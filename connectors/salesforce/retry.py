"""Carries out the error policy's decisions (`policy.py`) for one call.

Retries back off exponentially with full jitter. Every call kamsync makes is
safe to repeat (reads, upserts by external id, updates by Id, at worst a spare
Bulk job), so POSTs are retried too. A refused session is renewed; fresh sessions
refused again and again mean configuration, not expiry. A query the org timed
out on is split by a caller that can (`can_split`), retried by one that cannot.
Any other action, or a retry that keeps failing, ends in the connector error the
policy names.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import requests
from simple_salesforce.exceptions import SalesforceError

from connectors.salesforce.policy import Action, decide, from_exception

T = TypeVar("T")

ATTEMPTS = 5
#: Fresh sessions refused in a row before the refusal is taken for configuration.
RENEWALS_IN_A_ROW = 2
BASE_WAIT = 0.5
MAX_WAIT = 20.0


def backoff(tries: int, *, max_wait: float = MAX_WAIT) -> float:
    """Seconds to wait after the `tries`-th failed try (full jitter, capped)."""
    return random.uniform(0, min(max_wait, BASE_WAIT * 2 ** (tries - 1)))


def run_call(
    attempt: Callable[[], T],
    *,
    call: str,
    renew: Callable[[], None],
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = ATTEMPTS,
    can_split: bool = False,
) -> T:
    """Run `attempt` until it succeeds or the policy says stop; raise the policy's error."""
    tries, renewals = 0, 0
    while True:
        tries += 1
        try:
            return attempt()
        except (SalesforceError, requests.RequestException) as exc:
            decision = decide(from_exception(exc))
        if sends_again(decision.action, can_split=can_split) and tries < attempts:
            sleep(backoff(tries))
            renewals = 0
            continue
        if decision.action is Action.RENEW_SESSION and renewals < RENEWALS_IN_A_ROW:
            renew()
            renewals += 1
            continue
        raise decision.error(call, tries) from None


def sends_again(action: Action, *, can_split: bool) -> bool:
    """True when the same request should be sent again after a back-off."""
    return action is Action.RETRY or (action is Action.SPLIT_QUERY and not can_split)
