"""The Microsoft Graph error policy: one table deciding retry, renew, resync, stop or fail.

Each row matches what went wrong (HTTP status, Graph error code or exception type), where
it happened (a direct request, a `$batch` item, an upload range, a delta round) and
whether the call is safe to repeat; the first matching row gives the action and the
message the user sees. client.py, batch.py and drive.py carry the action out
(connectors/m365/retry.py); none of them decides on its own.

Graph does not run a throttled request (429, and 503 with Retry-After), so any method
goes again after the wait. An answer that may mean "it ran" (another 5xx, a connection
reset, a read timeout) repeats only idempotent calls (GET, PUT, DELETE, PATCH, or a
write the caller made idempotent by key): a POST such as sendMail is never sent twice
here; the outbox's idempotency keys settle it on the next run. A 401 is authentication
(the token or the app's credential): the token is renewed once; a 403 is authorization
(permissions and consent).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

import requests

from connectors.errors import (
    BudgetExhausted,
    ConnectorConfigError,
    ConnectorError,
    FatalError,
    RetriableError,
    redact,
)
from connectors.m365.errors import DeltaReset, GraphError

#: How many times a failed call is repeated before kamsync gives up on it for this run.
ATTEMPTS = 6
#: A Retry-After up to this is waited out; a longer one means the budget is spent for now.
LONGEST_WAIT_SECONDS = 120.0
MAX_BACKOFF_SECONDS = 60.0
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "PATCH"})
SERVER_ERRORS = frozenset({500, 502, 503, 504})
RESET_CODES = frozenset({"syncstatenotfound", "resyncrequired", "syncstateinvalid"})
_IN_TRANSIT = (requests.ConnectionError, requests.Timeout)


class Action(StrEnum):
    RETRY = "retry"  # repeat after jittered exponential backoff
    RETRY_AFTER = "retry_after"  # repeat after the Retry-After Graph asked for
    RENEW_TOKEN = "renew_token"  # renew the app token once, then repeat
    RESYNC = "resync"  # the delta round's state is gone: read that collection in full
    STOP_BUDGET = "stop_budget"  # the request budget is spent: stop, resume next run
    CONFIG = "config"  # credentials, permissions or settings are wrong: fix config
    FATAL = "fatal"  # give up on this call (never repeated)


REPEATS = frozenset({Action.RETRY, Action.RETRY_AFTER})


class Where(StrEnum):
    REQUEST = "request"
    BATCH_ITEM = "$batch item"
    UPLOAD = "upload range"
    DELTA = "delta"


class Wait(StrEnum):
    """What Retry-After said: nothing, a wait kamsync sits out, or one longer than that."""

    NONE = "none"
    SHORT = "short"
    LONG = "long"


@dataclass(frozen=True)
class Failure:
    """One failed Graph call, as the policy sees it."""

    call: str  # e.g. "GET https://graph.microsoft.com/v1.0/users/x/messages"
    method: str
    where: Where = Where.REQUEST
    #: None: decided by the method; True/False when the caller knows better (a key, a rename)
    idempotent: bool | None = None
    status: int = 0
    code: str = ""
    detail: str = ""
    retry_after: float | None = None
    exception: type[BaseException] | None = None
    #: the token was already renewed once for this call
    renewed: bool = False

    @property
    def safe(self) -> bool:
        """Repeating the call after it may have run does no harm."""
        if self.idempotent is not None:
            return self.idempotent
        return self.method.upper() in IDEMPOTENT_METHODS

    @property
    def wait(self) -> Wait:
        if self.retry_after is None:
            return Wait.NONE
        return Wait.SHORT if self.retry_after <= LONGEST_WAIT_SECONDS else Wait.LONG


@dataclass(frozen=True)
class Rule:
    """One row: what it matches (empty/None: anything) → action, error type, message."""

    action: Action
    message: str
    error: type[ConnectorError] = GraphError
    statuses: frozenset[int] = frozenset()
    codes: frozenset[str] = frozenset()
    exceptions: tuple[type[BaseException], ...] = ()
    where: frozenset[Where] = frozenset()
    safe: bool | None = None
    waits: frozenset[Wait] = frozenset()
    renewed: bool | None = None

    def matches(self, failure: Failure) -> bool:
        checks = (
            not self.statuses or failure.status in self.statuses,
            not self.codes or failure.code.lower() in self.codes,
            not self.exceptions
            or (failure.exception is not None and issubclass(failure.exception, self.exceptions)),
            not self.where or failure.where in self.where,
            self.safe is None or failure.safe == self.safe,
            not self.waits or failure.wait in self.waits,
            self.renewed is None or failure.renewed == self.renewed,
        )
        return all(checks)


@dataclass(frozen=True)
class Decision:
    """What to do about a failure, the wait before repeating it, and the message to show."""

    action: Action
    message: str
    error: type[ConnectorError]
    wait: float
    status: int
    code: str

    def exception(self) -> ConnectorError:
        """The error to raise when the call is given up."""
        if issubclass(self.error, GraphError):
            return self.error(self.message, self.status, self.code)
        return self.error(self.message)


def _statuses(*codes: int) -> frozenset[int]:
    return frozenset(codes)


_HTTP = "Microsoft Graph {call} answered {status} {code}"
_NEXT_RUN = "the next run goes on from here"
_AUTH = (
    "Microsoft Graph refused the app's token for {call} ({status} {code}) even after renewing "
    "it once: the token could not be renewed or the app's credentials were refused. Check "
    "[m365] tenant_id, client_id and client_secret / client_certificate (expired or rotated "
    "in the Entra app registration?) and authority_url"
)
_PERMISSION = (
    _HTTP + ": {detail}. The app is not allowed to do this: grant its Entra app registration "
    "the Microsoft Graph application permission this call needs, with admin consent (and "
    "check any application access policy limiting the mailboxes it may open)"
)
_MAY_HAVE_RUN = (
    "; a {method} is not idempotent and it may have run, so it is not repeated "
    "(the next run checks by its idempotency key before doing it again)"
)

#: The policy, first matching row wins.
RULES: tuple[Rule, ...] = (
    Rule(Action.CONFIG, "Microsoft Graph {call}: the TLS certificate was not trusted "
         "({detail}); check [http] ca_bundle", ConnectorConfigError,
         exceptions=(requests.exceptions.SSLError,)),
    # An upload range goes to a pre-authenticated URL and the session says what landed,
    # so any range cut off resumes, whatever the method.
    Rule(Action.RETRY_AFTER, "OneDrive is still throttling {call} after {attempts} retries; "
         + _NEXT_RUN, RetriableError, statuses=_statuses(429, *SERVER_ERRORS),
         where=frozenset({Where.UPLOAD}), waits=frozenset({Wait.SHORT})),
    Rule(Action.RETRY, "OneDrive {call} still fails after {attempts} retries ({status} {code}); "
         "the next run uploads the file again", RetriableError,
         statuses=_statuses(416, 429, *SERVER_ERRORS), where=frozenset({Where.UPLOAD})),
    Rule(Action.RETRY, "OneDrive {call} still fails in transit after {attempts} retries "
         "({detail}); the next run uploads the file again", RetriableError,
         exceptions=_IN_TRANSIT, where=frozenset({Where.UPLOAD})),
    Rule(Action.FATAL, "OneDrive {call} answered {status} {code}: the upload session expired "
         "or was cancelled; the next run uploads the file again", RetriableError,
         statuses=_statuses(401, 404), where=frozenset({Where.UPLOAD})),
    # Authentication: renew once, then it is the credentials.
    Rule(Action.CONFIG, _AUTH, ConnectorConfigError, statuses=_statuses(401), renewed=True),
    Rule(Action.RENEW_TOKEN, _AUTH, ConnectorConfigError, statuses=_statuses(401)),
    # Authorization (a refused $batch item is returned to its caller instead).
    Rule(Action.CONFIG, _PERMISSION, ConnectorConfigError, statuses=_statuses(403),
         where=frozenset({Where.REQUEST, Where.DELTA, Where.UPLOAD})),
    Rule(Action.RESYNC, _HTTP + ": the delta round's sync state is gone, so that collection "
         "is read again in full", DeltaReset, statuses=_statuses(410),
         where=frozenset({Where.DELTA})),
    Rule(Action.RESYNC, _HTTP + ": the delta round's sync state is gone, so that collection "
         "is read again in full", DeltaReset, codes=RESET_CODES, where=frozenset({Where.DELTA})),
    # Throttling: Graph did not run the request.
    Rule(Action.STOP_BUDGET, "Microsoft Graph asks kamsync to wait {wait:.0f} s before {call} "
         "again: the app's request budget for now is spent; the work stops here and resumes "
         "next run", BudgetExhausted, statuses=_statuses(429, 503), waits=frozenset({Wait.LONG})),
    Rule(Action.RETRY_AFTER, "Microsoft Graph is still throttling {call} after {attempts} "
         "retries; " + _NEXT_RUN, RetriableError, statuses=_statuses(429, 503),
         waits=frozenset({Wait.SHORT})),
    Rule(Action.RETRY, "Microsoft Graph is still throttling {call} after {attempts} retries; "
         + _NEXT_RUN, RetriableError, statuses=_statuses(429)),
    # Server faults: repeat what is safe to repeat (Graph also throttles with a bare 503).
    Rule(Action.RETRY, "Microsoft Graph is still throttling {call} ({status} {code}) after "
         "{attempts} retries; " + _NEXT_RUN, RetriableError, statuses=_statuses(503), safe=True),
    Rule(Action.RETRY_AFTER, _HTTP + " after {attempts} retries: Graph is having trouble; "
         + _NEXT_RUN, RetriableError, statuses=SERVER_ERRORS, safe=True,
         waits=frozenset({Wait.SHORT})),
    Rule(Action.RETRY, _HTTP + " after {attempts} retries: Graph is having trouble; " + _NEXT_RUN,
         RetriableError, statuses=SERVER_ERRORS, safe=True),
    Rule(Action.FATAL, _HTTP + " without Retry-After" + _MAY_HAVE_RUN, RetriableError,
         statuses=_statuses(503), safe=False),
    Rule(Action.FATAL, _HTTP + _MAY_HAVE_RUN, GraphError, statuses=SERVER_ERRORS, safe=False),
    # Network: a connect timeout never reached Graph; a reset or read timeout may have run.
    Rule(Action.RETRY, "Microsoft Graph {call} could not connect after {attempts} retries "
         "({detail}); check the network or proxy", RetriableError,
         exceptions=(requests.exceptions.ConnectTimeout,)),
    Rule(Action.RETRY, "Microsoft Graph {call} still fails in transit after {attempts} "
         "retries ({detail}); check the network or proxy", RetriableError,
         exceptions=_IN_TRANSIT, safe=True),
    Rule(Action.FATAL, "Microsoft Graph {call} failed in transit ({detail})" + _MAY_HAVE_RUN,
         RetriableError, exceptions=_IN_TRANSIT, safe=False),
    Rule(Action.FATAL, "Microsoft Graph {call} failed: {detail}", FatalError,
         exceptions=(requests.RequestException,)),
    Rule(Action.FATAL, _HTTP + ": {detail}", GraphError),
)  # fmt: skip


def rule_for(failure: Failure) -> Rule:
    """The row deciding `failure`: the first that matches (the last matches anything)."""
    return next(rule for rule in RULES if rule.matches(failure))


def decide(failure: Failure, attempt: int = 0) -> Decision:
    """The first matching row's decision; `attempt` (0-based) sets the backoff."""
    rule = rule_for(failure)
    if rule.action is Action.RETRY_AFTER or rule.action is Action.STOP_BUDGET:
        wait = float(failure.retry_after or 0.0)
    elif rule.action is Action.RETRY:
        wait = backoff(attempt)
    else:
        wait = 0.0
    message = rule.message.format(
        call=failure.call,
        status=failure.status,
        code=failure.code or failure.status,
        detail=failure.detail,
        method=failure.method.upper(),
        attempts=ATTEMPTS,
        wait=wait,
    )
    return Decision(rule.action, redact(message), rule.error, wait, failure.status, failure.code)


def backoff(attempt: int) -> float:
    """Jittered exponential backoff ("full jitter") before repeat number `attempt` + 1."""
    return min(random.uniform(0, 0.5 * 2**attempt), MAX_BACKOFF_SECONDS)
