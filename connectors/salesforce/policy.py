"""The Salesforce error policy: one table decides retry, renew, split, stop or fail.

Every failure (a library exception, a Composite sub-response, a Collections
record error, a Bulk API 2.0 job that ended badly) is first reduced to a
`Failure` (status, Salesforce `errorCode`, exception, job state); the first
`Rule` of `RULES` that matches it gives the action and the advice the user
reads. `retry.py` carries the actions out; nothing else decides.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError

from connectors.errors import (
    BudgetExhausted,
    ConnectorConfigError,
    ConnectorError,
    FatalError,
    RetriableError,
    redact,
)


class QueryTimeout(RetriableError):
    """The org gave up on a query (QUERY_TIMEOUT); a narrower window may pass."""


class BulkJobFailed(ConnectorError):
    """A query job failed or was aborted; the caller falls back to REST."""


class Action(StrEnum):
    RETRY = "retry"  # back off and try the same call again
    RENEW_SESSION = "renew"  # fetch a new token once, then repeat the call
    SPLIT_QUERY = "split"  # the caller narrows the query's window (one that cannot: retry)
    FALL_BACK = "fall back"  # a Bulk job failed: the caller reads the window over REST
    STOP_BUDGET = "stop"  # the org's API allowance is spent: resume next run
    CONFIG = "config"  # the user must fix configuration or permissions
    FATAL = "fatal"  # a bug or an answer kamsync cannot use


#: The error each action ends in when it cannot (or may no longer) be carried out.
ERRORS: dict[Action, type[ConnectorError]] = {
    Action.RETRY: RetriableError,
    Action.RENEW_SESSION: ConnectorConfigError,
    Action.SPLIT_QUERY: QueryTimeout,
    Action.FALL_BACK: BulkJobFailed,
    Action.STOP_BUDGET: BudgetExhausted,
    Action.CONFIG: ConnectorConfigError,
    Action.FATAL: FatalError,
}


@dataclass(frozen=True)
class Failure:
    """One failure, reduced to what the table matches on."""

    status: int | None = None
    #: Salesforce's `errorCode` (`statusCode` in record errors)
    code: str | None = None
    message: str = ""
    exception: BaseException | None = None
    #: a Bulk API 2.0 job's final state (Failed, Aborted) or "NotDone" (waited too long)
    job_state: str | None = None

    def causes(self) -> Iterator[BaseException]:
        """The exception and what it wraps (requests -> urllib3 -> ssl), outermost first."""
        seen: set[int] = set()
        pending = [self.exception] if self.exception is not None else []
        while pending:
            current = pending.pop(0)
            if id(current) in seen:
                continue
            seen.add(id(current))
            yield current
            wrapped = (current.__cause__, current.__context__, getattr(current, "reason", None),
                       *current.args)  # fmt: skip
            pending += [inner for inner in wrapped if isinstance(inner, BaseException)]

    def shown(self) -> str:
        """What went wrong, in Salesforce's words, secrets masked."""
        if self.job_state is not None:
            return redact(f"job {self.job_state}: {self.message or 'no reason given'}")
        if self.exception is not None and self.status is None:
            return redact(f"{type(self.exception).__name__}: {self.message}")
        head = " ".join(part for part in (f"HTTP {self.status}" if self.status else "",
                                          self.code or "") if part)  # fmt: skip
        return redact(f"{head}: {self.message}" if self.message else head)


@dataclass(frozen=True)
class Rule:
    """Failures matching every given criterion get `action`; `advice` tells the user what next."""

    action: Action
    advice: str
    code: str | None = None
    #: any of these codes (OAuth's sign-in errors)
    codes: frozenset[str] = frozenset()
    statuses: frozenset[int] = frozenset()
    exceptions: tuple[type[BaseException], ...] = ()
    job_states: frozenset[str] = frozenset()

    def matches(self, failure: Failure) -> bool:
        return (
            (self.code is None or failure.code == self.code)
            and (not self.codes or failure.code in self.codes)
            and (not self.statuses or failure.status in self.statuses)
            and (not self.exceptions or self._raised_by(failure))
            and (not self.job_states or failure.job_state in self.job_states)
        )

    def _raised_by(self, failure: Failure) -> bool:
        """The failure's exception, or one it wraps, is of a listed type."""
        return any(isinstance(cause, self.exceptions) for cause in failure.causes())


SERVER_ERRORS = frozenset(range(500, 600))
#: The token endpoint's refusals (RFC 6749 plus Salesforce's own): retrying cannot help.
OAUTH_REFUSALS = frozenset({
    "invalid_client", "invalid_client_id", "invalid_client_credentials", "invalid_grant",
    "invalid_request", "unauthorized_client", "unsupported_grant_type", "invalid_scope",
    "inactive_user", "inactive_org", "invalid_app_access",
})  # fmt: skip
RESUMES = "the next run resumes where this one stopped"

#: First match wins: error codes first, then exception types and statuses, then fallbacks.
RULES: tuple[Rule, ...] = (
    Rule(Action.RENEW_SESSION, "the connected app refused even a fresh session: check its "
         "session policies and [salesforce] client_id and login_url", code="INVALID_SESSION_ID"),
    Rule(Action.STOP_BUDGET, "the org's daily API limit is reached; the pull resumes next run",
         code="REQUEST_LIMIT_EXCEEDED"),
    Rule(Action.CONFIG, "the sign-in was refused: check the connected app (the OAuth flow "
         "enabled, its certificate, the user pre-authorised)", codes=OAUTH_REFUSALS),
    Rule(Action.STOP_BUDGET, "too many sign-ins in the last hour; the next run signs in again",
         code="rate_limit_exceeded"),
    Rule(Action.CONFIG, "API access is off for this org or user: enable 'API Enabled' on the "
         "integration user's profile (Enterprise edition or above)", code="API_DISABLED_FOR_ORG"),
    Rule(Action.CONFIG, "the integration user lacks access: grant it the object's permissions "
         "in its profile or a permission set", code="INSUFFICIENT_ACCESS_OR_READONLY"),
    Rule(Action.CONFIG, "the integration user lacks access: grant it the object's permissions "
         "in its profile or a permission set", code="INSUFFICIENT_ACCESS"),
    Rule(Action.CONFIG, "a field is not readable: check the field names in "
         "[salesforce.objects] and the integration user's field-level security",
         code="INVALID_FIELD"),
    Rule(Action.CONFIG, "the object is unknown or hidden: check the object names in "
         "[salesforce.objects] and the integration user's object permissions",
         code="INVALID_TYPE"),
    Rule(Action.CONFIG, "the resource does not exist: check [salesforce] api_version and "
         "instance_url, and the object names in [salesforce.objects]", code="NOT_FOUND"),
    Rule(Action.FATAL, "kamsync built a query Salesforce refuses: please report this message",
         code="MALFORMED_QUERY"),
    Rule(Action.SPLIT_QUERY, "the org gave up on the query; kamsync reads a narrower window",
         code="QUERY_TIMEOUT"),
    Rule(Action.RETRY, f"records stayed locked by another process; {RESUMES}",
         code="UNABLE_TO_LOCK_ROW"),
    Rule(Action.RETRY, f"Salesforce is busy or down (see status.salesforce.com); {RESUMES}",
         code="SERVER_UNAVAILABLE"),
    Rule(Action.FALL_BACK, "the window is read over REST instead",
         job_states=frozenset({"Failed", "Aborted", "NotDone"})),
    Rule(Action.CONFIG, "the server's TLS certificate is not trusted: set [http] ca_bundle to "
         "a PEM bundle holding the CA that issued it",
         exceptions=(ssl.SSLCertVerificationError,)),
    Rule(Action.RETRY, f"the network or Salesforce did not answer; {RESUMES}",
         exceptions=(requests.ConnectionError, requests.Timeout,
                     requests.exceptions.ChunkedEncodingError)),
    Rule(Action.FATAL, "the HTTP request could not be made: please report this message",
         exceptions=(requests.RequestException,)),
    Rule(Action.RENEW_SESSION, "the connected app refused even a fresh session: check its "
         "session policies and [salesforce] client_id and login_url", statuses=frozenset({401})),
    Rule(Action.CONFIG, "Salesforce refused the request: check the integration user's "
         "permissions", statuses=frozenset({403})),
    Rule(Action.CONFIG, "the resource does not exist: check [salesforce] api_version and "
         "instance_url", statuses=frozenset({404})),
    Rule(Action.RETRY, f"Salesforce failed on its side; {RESUMES}", statuses=SERVER_ERRORS),
    Rule(Action.FATAL, "Salesforce rejected the request: please report this message"),
)  # fmt: skip


@dataclass(frozen=True)
class Decision:
    """What to do about one failure, and the error to raise once that is no longer possible."""

    action: Action
    failure: Failure
    rule: Rule

    def error(self, call: str, tries: int = 1) -> ConnectorError:
        """The connector error the user sees: service, call, what went wrong, what to do."""
        outcome = "stopped" if self.action is Action.STOP_BUDGET else "failed"
        after = f" after {tries} tries" if tries > 1 else ""
        text = f"Salesforce {call} {outcome}{after} ({self.failure.shown()}); {self.rule.advice}"
        return ERRORS[self.action](text)


def decide(failure: Failure) -> Decision:
    """The table's answer for `failure` (the last rule matches anything)."""
    rule = next(rule for rule in RULES if rule.matches(failure))
    return Decision(rule.action, failure, rule)


def from_exception(exc: BaseException) -> Failure:
    """A simple-salesforce or requests exception as a Failure."""
    if isinstance(exc, SalesforceError):
        code, message = first_error(exc.content)
        return Failure(exc.status, code, message or str(exc.content)[:300], exc)
    return Failure(None, None, str(exc), exc)


def from_subresponse(response: dict[str, Any]) -> Failure | None:
    """A Composite sub-response's failure (its own httpStatusCode and errorCode), or None."""
    status = response.get("httpStatusCode")
    if isinstance(status, int) and status < 300:
        return None
    code, message = first_error(response.get("body"))
    return Failure(status if isinstance(status, int) else None, code, message)


def from_record_error(error: dict[str, Any]) -> Failure:
    """One sObject Collections record error (`statusCode`, `message`, `fields`)."""
    fields = error.get("fields") or []
    message = str(error.get("message") or "")
    if fields:
        message += f" ({', '.join(map(str, fields))})"
    return Failure(None, error.get("statusCode") or error.get("errorCode"), message)


def from_job(job: dict[str, Any]) -> Failure:
    """A Bulk API 2.0 job that did not complete."""
    return Failure(job_state=str(job.get("state")), message=str(job.get("errorMessage") or ""))


def first_error(content: Any) -> tuple[str | None, str]:
    """(errorCode, message) of Salesforce's `[{"errorCode", "message"}]` error body."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        code = first.get("errorCode") or first.get("statusCode")
        return (str(code) if code else None), str(first.get("message") or "")
    if isinstance(content, dict) and content.get("error"):  # OAuth's {"error", "error_description"}
        return str(content["error"]), str(content.get("error_description") or "")
    return None, ""
