"""The Graph error policy table, row by row: what went wrong, where, on which method →
the action kamsync takes, the error it raises and what the message tells the user."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from connectors.errors import (
    BudgetExhausted,
    ConnectorConfigError,
    ConnectorError,
    FatalError,
    RetriableError,
)
from connectors.m365.errors import DeltaReset, GraphError
from connectors.m365.policy import RULES, Action, Failure, Where, decide, rule_for

GET_USERS = "GET https://graph.test/v1.0/users"
A = Action


@dataclass(frozen=True)
class Case:
    """One failure and what the policy must make of it."""

    method: str
    action: Action
    error: type[ConnectorError]
    says: tuple[str, ...] = ()
    status: int = 0
    code: str = ""
    exception: type[BaseException] | None = None
    where: Where = Where.REQUEST
    idempotent: bool | None = None
    retry_after: float | None = None
    renewed: bool = False

    def failure(self) -> Failure:
        return Failure(
            f"{self.method} https://graph.test/v1.0/users/kam@x/thing",
            self.method,
            self.where,
            self.idempotent,
            self.status,
            self.code,
            "details from Graph",
            self.retry_after,
            self.exception,
            self.renewed,
        )


BATCH, DELTA, UPLOAD = Where.BATCH_ITEM, Where.DELTA, Where.UPLOAD
CASES = {
    # server faults: repeated when safe to repeat, never for a POST that may have run
    "GET 500": Case("GET", A.RETRY, RetriableError, ("500",), status=500),
    "GET 502": Case("GET", A.RETRY, RetriableError, ("502", "GET"), status=502),
    "GET 504": Case("GET", A.RETRY, RetriableError, ("504",), status=504),
    "PATCH 502": Case("PATCH", A.RETRY, RetriableError, status=502),
    "GET 502 Retry-After": Case("GET", A.RETRY_AFTER, RetriableError, status=502, retry_after=3),
    "GET 503": Case("GET", A.RETRY, RetriableError, ("still throttling",), status=503),
    "POST 503": Case("POST", A.FATAL, RetriableError, ("may have run", "not repeated"),
                     status=503),
    "POST 502": Case("POST", A.FATAL, GraphError, ("502", "may have run"), status=502),
    "POST 504 sendMail": Case("POST", A.FATAL, GraphError, ("idempotency key",), status=504),
    "POST with key 502": Case("POST", A.RETRY, RetriableError, status=502, idempotent=True),
    "PUT rename 500": Case("PUT", A.FATAL, GraphError, ("may have run",), status=500,
                           idempotent=False),
    # throttling: not run by Graph, so any method goes again
    "POST 503 Retry-After": Case("POST", A.RETRY_AFTER, RetriableError, status=503,
                                 retry_after=2),
    "POST 429": Case("POST", A.RETRY, RetriableError, ("still throttling",), status=429),
    "PATCH 429 Retry-After": Case("PATCH", A.RETRY_AFTER, RetriableError, status=429,
                                  retry_after=1),
    "GET 429 Retry-After 600": Case("GET", A.STOP_BUDGET, BudgetExhausted,
                                    ("600 s", "resumes next run"), status=429, retry_after=600),
    # authentication (401) is the token or the credential; authorization (403) the permissions
    "GET 401": Case("GET", A.RENEW_TOKEN, ConnectorConfigError, status=401,
                    code="InvalidAuthenticationToken"),
    "GET 401 renewed": Case("GET", A.CONFIG, ConnectorConfigError,
                            ("could not be renewed", "credentials were refused", "client_id",
                             "client_secret", "tenant_id"),
                            status=401, code="InvalidAuthenticationToken", renewed=True),
    "GET 403": Case("GET", A.CONFIG, ConnectorConfigError,
                    ("403", "permission", "admin consent"), status=403,
                    code="Authorization_RequestDenied"),
    "GET 404": Case("GET", A.FATAL, GraphError, ("404", "ErrorItemNotFound"), status=404,
                    code="ErrorItemNotFound"),
    # $batch items
    "item 401": Case("POST", A.RENEW_TOKEN, ConnectorConfigError, status=401,
                     code="InvalidAuthenticationToken", where=BATCH),
    "item 401 renewed": Case("POST", A.CONFIG, ConnectorConfigError, ("credentials",),
                             status=401, where=BATCH, renewed=True),
    "item 403": Case("POST", A.FATAL, GraphError, status=403, where=BATCH),
    "item 429 Retry-After": Case("POST", A.RETRY_AFTER, RetriableError, status=429,
                                 retry_after=1, where=BATCH),
    "item GET 502": Case("GET", A.RETRY, RetriableError, status=502, where=BATCH),
    "item POST 502": Case("POST", A.FATAL, GraphError, ("may have run",), status=502,
                          where=BATCH),
    # delta rounds
    "delta 410": Case("GET", A.RESYNC, DeltaReset, ("read again in full",), status=410,
                      where=DELTA),
    "delta syncStateNotFound": Case("GET", A.RESYNC, DeltaReset, status=400,
                                    code="SyncStateNotFound", where=DELTA),
    "410 elsewhere": Case("GET", A.FATAL, GraphError, status=410),
    "delta 403": Case("GET", A.CONFIG, ConnectorConfigError, ("permission",), status=403,
                      where=DELTA),
    # upload ranges: the session says what landed, so a cut range resumes
    "range 503 Retry-After": Case("PUT", A.RETRY_AFTER, RetriableError, status=503,
                                  retry_after=1, where=UPLOAD),
    "range 416": Case("PUT", A.RETRY, RetriableError, status=416, where=UPLOAD),
    "range reset": Case("PUT", A.RETRY, RetriableError, exception=requests.ConnectionError,
                        where=UPLOAD),
    "range 404": Case("PUT", A.FATAL, RetriableError, ("upload session expired",),
                      status=404, where=UPLOAD),
    # the network
    "GET reset": Case("GET", A.RETRY, RetriableError, ("in transit",),
                      exception=requests.ConnectionError),
    "GET read timeout": Case("GET", A.RETRY, RetriableError, exception=requests.ReadTimeout),
    "POST reset": Case("POST", A.FATAL, RetriableError, ("in transit", "may have run"),
                       exception=requests.ConnectionError),
    "POST read timeout": Case("POST", A.FATAL, RetriableError, ("may have run",),
                              exception=requests.ReadTimeout),
    "POST connect timeout": Case("POST", A.RETRY, RetriableError, ("could not connect",),
                                 exception=requests.ConnectTimeout),
    "TLS refused": Case("GET", A.CONFIG, ConnectorConfigError, ("ca_bundle",),
                        exception=requests.exceptions.SSLError),
    "bad URL": Case("GET", A.FATAL, FatalError, exception=requests.exceptions.InvalidURL),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_failure_gets_its_action_error_and_message(case: Case) -> None:
    decision = decide(case.failure())
    assert decision.action is case.action
    error = decision.exception()
    assert type(error) is case.error
    message = str(error)
    assert "/users/kam@x/thing" in message  # the call is named
    for words in case.says:
        assert words in message
    if case.status == 401:
        assert "consent" not in message  # 401 is authentication, not authorization


def test_every_row_of_the_table_is_driven_by_a_case() -> None:
    used = {RULES.index(rule_for(case.failure())) for case in CASES.values()}
    assert sorted(set(range(len(RULES))) - used) == []


def test_waits_follow_retry_after_else_jittered_backoff() -> None:
    assert decide(CASES["GET 502 Retry-After"].failure()).wait == 3.0
    assert decide(CASES["PATCH 429 Retry-After"].failure()).wait == 1.0
    backoffs = [decide(CASES["GET 502"].failure(), attempt).wait for attempt in range(6)]
    assert all(0 <= wait <= 0.5 * 2**attempt for attempt, wait in enumerate(backoffs))
    assert decide(CASES["POST 503"].failure()).wait == 0.0  # given up, no wait


def test_messages_never_carry_secrets() -> None:
    failure = Failure(
        "GET https://graph.test/v1.0/users?access_token=abc.def.ghi",
        "GET",
        status=404,
        detail="client_secret=s3cr3t",
    )
    message = decide(failure).message
    assert "abc.def.ghi" not in message and "s3cr3t" not in message
