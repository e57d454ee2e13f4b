"""Carries out the Graph error policy (connectors/m365/policy.py) for one call.

`execute` runs a call, turns each failure into a `Failure`, asks `policy.decide` and
does what it says: wait and repeat, renew the token once and repeat, or raise the
decision's error. Nothing here decides whether a failure is worth another try.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests

from connectors.errors import ConnectorError, RetriableError, redact
from connectors.m365.policy import ATTEMPTS, REPEATS, Action, Decision, Failure, Where, decide

T = TypeVar("T")

__all__ = ["ATTEMPTS", "Call", "execute", "failure_of", "item_failure", "with_throttling"]


@dataclass(frozen=True)
class Call:
    """What is being called, for the policy: `what` names it in messages."""

    what: str
    method: str
    where: Where = Where.REQUEST
    idempotent: bool | None = None


def execute(
    send: Callable[[], T],
    call: Call,
    *,
    renew: Callable[[], None] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> T:
    """Run `send`, doing what the policy decides about each failure until it succeeds or the
    policy gives up (then its error, a `connectors.errors` type, is raised)."""
    return _run(send, call, renew, sleep or time.sleep, lambda decision: decision.exception())


def with_throttling(
    call: Callable[[], T],
    *,
    method: str,
    idempotent: bool | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """The repeating half of `execute`, for a caller that handles other answers itself:
    repeats what the policy repeats, raises its `RetriableError` when it gives up on one
    (attempts spent, a write that may have run), lets every other failure through as is."""

    def give_up(decision: Decision) -> ConnectorError | None:
        repeated = decision.action in REPEATS or _gives_up_retriably(decision)
        return decision.exception() if repeated else None

    return _run(call, Call(method.upper(), method, idempotent=idempotent), None, sleep, give_up)


def _run(
    send: Callable[[], T],
    call: Call,
    renew: Callable[[], None] | None,
    sleep: Callable[[float], None],
    give_up: Callable[[Decision], ConnectorError | None],
) -> T:
    """The one retry loop: repeat, renew once, or raise `give_up`'s error (None: the failure)."""
    renewed = False
    repeats = 0
    while True:
        try:
            return send()
        except requests.RequestException as exc:
            decision = decide(failure_of(exc, call, renewed=renewed), repeats)
            if decision.action in REPEATS and repeats < ATTEMPTS:
                sleep(decision.wait)
                repeats += 1
                continue
            if decision.action is Action.RENEW_TOKEN and renew is not None and not renewed:
                renew()
                renewed = True
                continue
            error = give_up(decision)
            if error is None:
                raise
            raise error from None


def _gives_up_retriably(decision: Decision) -> bool:
    return decision.action is Action.FATAL and issubclass(decision.error, RetriableError)


def failure_of(exc: requests.RequestException, call: Call, *, renewed: bool = False) -> Failure:
    """A requests failure as the policy sees it (an HTTP answer, or one that never came)."""
    response = exc.response if isinstance(exc, requests.HTTPError) else None
    base = Failure(call.what, call.method, call.where, call.idempotent, renewed=renewed)
    if response is None:
        return replace(base, exception=_network_kind(exc), detail=redact(str(exc)))
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    return answer_failure(base, response.status_code, response.headers, body)


def _network_kind(exc: requests.RequestException) -> type[BaseException]:
    """The exception type the policy matches: a TLS error is an untrusted certificate only
    when verification failed; a connection dropped mid-handshake is a reset like any other."""
    if isinstance(exc, requests.exceptions.SSLError) and not _verification_failed(exc):
        return requests.ConnectionError
    return type(exc)


def _verification_failed(exc: BaseException, depth: int = 0) -> bool:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return True
    if depth > 6:
        return False
    inner = [getattr(exc, "reason", None), exc.__cause__, exc.__context__, *exc.args]
    causes = [found for found in inner if isinstance(found, BaseException)]
    return any(_verification_failed(cause, depth + 1) for cause in causes)


def item_failure(
    call: Call, status: int, headers: Mapping[str, str], body: Any, *, renewed: bool = False
) -> Failure:
    """A `$batch` item's non-2xx answer as the policy sees it."""
    base = Failure(call.what, call.method, call.where, call.idempotent, renewed=renewed)
    return answer_failure(base, status, headers, body)


def answer_failure(base: Failure, status: int, headers: Mapping[str, str], body: Any) -> Failure:
    """`base` completed with an HTTP error answer: its status, Graph error and Retry-After."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    header = next((str(v) for k, v in headers.items() if k.lower() == "retry-after"), None)
    return replace(
        base,
        status=status,
        code=str(error.get("code") or ""),
        detail=redact(str(error.get("message") or "")),
        retry_after=retry_after_seconds(header),
    )


def retry_after_seconds(header: str | None, now: datetime | None = None) -> float | None:
    """A `Retry-After` value in seconds (delta-seconds or an HTTP date); None when absent."""
    if header is None or not header.strip():
        return None
    text = header.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
