"""The Salesforce error-policy table, row by row, and the code that carries it out."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any, cast

import pytest
import requests
import urllib3.exceptions
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from connectors.errors import (
    BudgetExhausted,
    ConnectorConfigError,
    ConnectorError,
    FatalError,
    RetriableError,
)
from connectors.salesforce import BulkJobFailed, QueryTimeout, SalesforceClient
from connectors.salesforce.composite import describe_all
from connectors.salesforce.policy import (
    RULES,
    Action,
    Failure,
    decide,
    from_exception,
    from_job,
    from_record_error,
    from_subresponse,
)
from connectors.salesforce.retry import ATTEMPTS, run_call

URL = "https://org.example/services/data/v59.0/query"


def _raised(kind: type[SalesforceError], status: int, code: str | None, message: str) -> Any:
    """What simple-salesforce raises for an error answer."""
    content: Any = [{"errorCode": code, "message": message}] if code else message
    return kind(URL, status, "query", content)


def _sf(kind: type[SalesforceError], status: int, code: str | None, message: str) -> Failure:
    return from_exception(_raised(kind, status, code, message))


def _tls(cause: ssl.SSLError) -> requests.exceptions.SSLError:
    """What requests raises when the TLS handshake fails: its error wraps urllib3's."""
    inner = urllib3.exceptions.SSLError(cause)
    return requests.exceptions.SSLError(urllib3.exceptions.MaxRetryError(None, URL, inner))  # type: ignore[arg-type]


def _sub(status: int, code: str, message: str) -> Failure | None:
    return from_subresponse(
        {"httpStatusCode": status, "body": [{"errorCode": code, "message": message}]}
    )


# (case, failure, action, error raised, words the user reads)
CASES: list[tuple[str, Failure | None, Action, type[ConnectorError], str]] = [
    ("expired session", _sf(SalesforceExpiredSession, 401, "INVALID_SESSION_ID",
     "Session expired or invalid"), Action.RENEW_SESSION, ConnectorConfigError, "fresh session"),
    ("sign-in refused", from_exception(SalesforceError(URL, 400, "oauth2/token",
     {"error": "invalid_grant", "error_description": "authentication failure"})),  # type: ignore[arg-type]
     Action.CONFIG, ConnectorConfigError, "connected app"),
    ("sign-ins rate-limited", from_exception(SalesforceError(URL, 400, "oauth2/token",
     {"error": "rate_limit_exceeded"})),  # type: ignore[arg-type]
     Action.STOP_BUDGET, BudgetExhausted, "signs in again"),
    ("daily limit", _sf(SalesforceRefusedRequest, 403, "REQUEST_LIMIT_EXCEEDED",
     "TotalRequests Limit exceeded."), Action.STOP_BUDGET, BudgetExhausted, "resumes next run"),
    ("API off", _sf(SalesforceRefusedRequest, 403, "API_DISABLED_FOR_ORG",
     "API is not enabled for this Organization or Partner"), Action.CONFIG, ConnectorConfigError,
     "API Enabled"),
    ("read-only", _sf(SalesforceMalformedRequest, 400, "INSUFFICIENT_ACCESS_OR_READONLY",
     "insufficient access rights on object id"), Action.CONFIG, ConnectorConfigError,
     "permission set"),
    ("no access", _sf(SalesforceRefusedRequest, 403, "INSUFFICIENT_ACCESS",
     "insufficient access rights"), Action.CONFIG, ConnectorConfigError, "permission set"),
    ("bad field", _sf(SalesforceMalformedRequest, 400, "INVALID_FIELD",
     "No such column 'Foo__c' on entity 'Account'"), Action.CONFIG, ConnectorConfigError,
     "field-level security"),
    ("bad object", _sf(SalesforceMalformedRequest, 400, "INVALID_TYPE",
     "sObject type 'Widget__c' is not supported."), Action.CONFIG, ConnectorConfigError,
     "object names"),
    ("not found", _sf(SalesforceResourceNotFound, 404, "NOT_FOUND",
     "The requested resource does not exist"), Action.CONFIG, ConnectorConfigError, "api_version"),
    ("malformed", _sf(SalesforceMalformedRequest, 400, "MALFORMED_QUERY",
     "unexpected token: FROMM"), Action.FATAL, FatalError, "MALFORMED_QUERY"),
    ("query timeout", _sf(SalesforceMalformedRequest, 400, "QUERY_TIMEOUT",
     "Your query request was running for too long."), Action.SPLIT_QUERY, QueryTimeout,
     "narrower window"),
    ("locked row", _sf(SalesforceMalformedRequest, 400, "UNABLE_TO_LOCK_ROW",
     "unable to obtain exclusive access to this record"), Action.RETRY, RetriableError, "locked"),
    ("busy", _sf(SalesforceGeneralError, 503, "SERVER_UNAVAILABLE", "Server too busy"),
     Action.RETRY, RetriableError, "status.salesforce.com"),
    ("bulk job failed", from_job({"state": "Failed", "errorMessage": "InvalidBatch: timeout"}),
     Action.FALL_BACK, BulkJobFailed, "InvalidBatch: timeout"),
    ("bulk job aborted", from_job({"state": "Aborted"}), Action.FALL_BACK, BulkJobFailed, "REST"),
    ("untrusted TLS", from_exception(_tls(ssl.SSLCertVerificationError("verify failed"))),
     Action.CONFIG, ConnectorConfigError, "[http] ca_bundle"),
    ("TLS cut short", from_exception(_tls(ssl.SSLEOFError("EOF in violation of protocol"))),
     Action.RETRY, RetriableError, "did not answer"),
    ("reset", from_exception(requests.ConnectionError("Connection reset by peer")),
     Action.RETRY, RetriableError, "did not answer"),
    ("read timeout", from_exception(requests.ReadTimeout("read timed out")),
     Action.RETRY, RetriableError, "did not answer"),
    ("cut body", from_exception(requests.exceptions.ChunkedEncodingError("incomplete read")),
     Action.RETRY, RetriableError, "did not answer"),
    ("bad URL", from_exception(requests.exceptions.InvalidURL("no host")),
     Action.FATAL, FatalError, "report"),
    ("401 without code", _sf(SalesforceExpiredSession, 401, None, "Unauthorized"),
     Action.RENEW_SESSION, ConnectorConfigError, "client_id"),
    ("403 without code", _sf(SalesforceRefusedRequest, 403, None, "Forbidden"),
     Action.CONFIG, ConnectorConfigError, "permissions"),
    ("404 page", _sf(SalesforceResourceNotFound, 404, None, "<html>Not Found</html>"),
     Action.CONFIG, ConnectorConfigError, "instance_url"),
    ("500", _sf(SalesforceGeneralError, 500, "UNKNOWN_EXCEPTION", "An unexpected error"),
     Action.RETRY, RetriableError, "UNKNOWN_EXCEPTION"),
    ("300", _sf(SalesforceMoreThanOneRecord, 300, None, "several records"),
     Action.FATAL, FatalError, "report"),
    ("composite sub 503", _sub(503, "SERVER_UNAVAILABLE", "Server too busy"),
     Action.RETRY, RetriableError, "SERVER_UNAVAILABLE"),
    ("composite sub 400", _sub(400, "INVALID_TYPE", "sObject type 'X' is not supported."),
     Action.CONFIG, ConnectorConfigError, "INVALID_TYPE"),
    ("record locked", from_record_error({"statusCode": "UNABLE_TO_LOCK_ROW", "message": "locked",
     "fields": []}), Action.RETRY, RetriableError, "UNABLE_TO_LOCK_ROW"),
    ("record invalid", from_record_error({"statusCode": "REQUIRED_FIELD_MISSING", "message":
     "Required fields are missing", "fields": ["Subject"]}), Action.FATAL, FatalError, "Subject"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("failure", "action", "error", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_row_decides_the_action_and_the_message(
    failure: Failure | None, action: Action, error: type[ConnectorError], words: str
) -> None:
    assert failure is not None
    decision = decide(failure)
    assert decision.action is action
    raised = decision.error("query of Account")
    assert type(raised) is error
    outcome = "stopped" if action is Action.STOP_BUDGET else "failed"
    assert str(raised).startswith(f"Salesforce query of Account {outcome} (")
    assert words in str(raised)


def test_every_row_of_the_table_is_exercised() -> None:
    used = {id(decide(case[1]).rule) for case in CASES if case[1] is not None}
    assert [rule.advice for rule in RULES if id(rule) not in used] == []


def test_a_successful_sub_response_is_no_failure() -> None:
    assert from_subresponse({"httpStatusCode": 200, "body": {"totalSize": 3}}) is None


def test_secrets_in_an_answer_never_reach_the_message() -> None:
    failure = from_exception(requests.ConnectionError("https://u:hunter2@org.example/ refused"))
    assert "hunter2" not in str(decide(failure).error("query of Account"))


def _failing(*errors: BaseException, answer: str = "ok") -> Callable[[], str]:
    queue = list(errors)

    def call() -> str:
        if queue:
            raise queue.pop(0)
        return answer

    return call


def test_network_failures_are_retried_with_growing_capped_waits() -> None:
    waits: list[float] = []
    cut = requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead")
    call = _failing(requests.ConnectionError("reset"), requests.ReadTimeout("timed out"), cut)
    assert run_call(call, call="query of Task", renew=pytest.fail, sleep=waits.append) == "ok"
    assert len(waits) == 3 and all(0 <= wait <= 20 for wait in waits)


def test_retries_end_in_a_retriable_error_naming_the_call_and_the_tries() -> None:
    waits: list[float] = []
    busy = _raised(SalesforceGeneralError, 503, "SERVER_UNAVAILABLE", "Server too busy")
    with pytest.raises(RetriableError, match=f"query of Task failed after {ATTEMPTS} tries"):
        run_call(_failing(*[busy] * 9), call="query of Task", renew=pytest.fail,
                 sleep=waits.append)  # fmt: skip
    assert len(waits) == ATTEMPTS - 1


def test_an_expired_session_is_renewed_and_fresh_ones_refused_in_a_row_are_config() -> None:
    renewals: list[str] = []
    expired = _raised(SalesforceExpiredSession, 401, "INVALID_SESSION_ID", "Session expired")
    assert run_call(_failing(expired), call="q", renew=lambda: renewals.append("first")) == "ok"
    assert renewals == ["first"]
    with pytest.raises(ConnectorConfigError, match="fresh session"):
        run_call(_failing(*[expired] * 9), call="q", renew=lambda: renewals.append("again"))
    assert renewals == ["first", "again", "again"]


def test_a_query_timeout_is_split_by_a_caller_that_can_and_retried_by_one_that_cannot() -> None:
    timeout = _raised(SalesforceMalformedRequest, 400, "QUERY_TIMEOUT", "running for too long")
    waits: list[float] = []
    with pytest.raises(QueryTimeout):
        run_call(_failing(timeout), call="q", renew=pytest.fail, sleep=waits.append, can_split=True)
    assert waits == []
    assert run_call(_failing(timeout), call="q", renew=pytest.fail, sleep=waits.append) == "ok"
    assert len(waits) == 1


def test_a_session_that_expires_again_later_in_the_same_call_is_renewed_again() -> None:
    renewals: list[int] = []
    expired = _raised(SalesforceExpiredSession, 401, "INVALID_SESSION_ID", "Session expired")
    busy = _raised(SalesforceGeneralError, 503, "SERVER_UNAVAILABLE", "Server too busy")
    call = _failing(expired, busy, expired)
    assert run_call(call, call="q", renew=lambda: renewals.append(1), sleep=lambda _: None) == "ok"
    assert len(renewals) == 2


@pytest.mark.parametrize(
    "error",
    [
        _tls(ssl.SSLCertVerificationError("certificate verify failed")),
        _raised(SalesforceMalformedRequest, 400, "MALFORMED_QUERY", "unexpected token"),
    ],
    ids=["untrusted certificate", "malformed query"],
)
def test_what_another_try_cannot_cure_is_tried_once(error: BaseException) -> None:
    tries: list[int] = []

    def call() -> None:
        tries.append(1)
        raise error

    with pytest.raises((ConnectorConfigError, FatalError)):
        run_call(call, call="q", renew=pytest.fail, sleep=lambda _: pytest.fail("slept"))
    assert len(tries) == 1


class _FakeOrg:
    """A client whose Composite calls answer from a script, recording what was sent."""

    api_version = "59.0"

    def __init__(self, answers: list[list[dict[str, Any]]]) -> None:
        self.answers = answers
        self.sent: list[list[str]] = []
        self.waits: list[float] = []
        self.renewals = 0
        self.described: list[str] = []
        self.missing: dict[str, ConnectorError] = {}

    def call(self, action: Callable[[Any], Any], *, what: str = "") -> Any:
        return action(self)

    def restful(self, path: str, method: str, json: dict[str, Any], timeout: int) -> Any:
        self.sent.append([sub["url"].rsplit("/", 2)[-2] for sub in json["compositeRequest"]])
        return {"compositeResponse": self.answers.pop(0)}

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def renew(self) -> None:
        self.renewals += 1

    def remember_description(self, description: Any) -> None:
        self.described.append(description.name)

    def remember_missing(self, name: str, error: ConnectorError) -> None:
        self.missing[name] = error


def _described(name: str) -> dict[str, Any]:
    return {"httpStatusCode": 200, "body": {"name": name, "fields": []}}


def _failed(status: int, code: str) -> dict[str, Any]:
    return {"httpStatusCode": status, "body": [{"errorCode": code, "message": code.lower()}]}


def test_a_composite_sub_request_the_org_was_too_busy_for_is_sent_again_alone() -> None:
    org = _FakeOrg(
        [
            [_described("Account"), _failed(503, "SERVER_UNAVAILABLE"), _failed(404, "NOT_FOUND")],
            [_described("Contact")],
        ]
    )
    failures = describe_all(cast(SalesforceClient, org), ["Account", "Contact", "Widget__c"])
    assert org.sent == [["Account", "Contact", "Widget__c"], ["Contact"]]
    assert org.described == ["Account", "Contact"]
    assert list(failures) == ["Widget__c"]
    assert isinstance(org.missing["Widget__c"], ConnectorConfigError)
    assert len(org.waits) == 1


def test_a_spent_api_limit_inside_a_composite_stops_the_run() -> None:
    org = _FakeOrg([[_described("Account"), _failed(403, "REQUEST_LIMIT_EXCEEDED")]])
    with pytest.raises(BudgetExhausted, match="resumes next run"):
        describe_all(cast(SalesforceClient, org), ["Account", "Contact"])
