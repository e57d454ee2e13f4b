"""Contract: O365's directory API, and raw HTTP for $batch, paging preferences,
request ids and error bodies, against the Graph stand-in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from O365 import Account
from O365.utils.utils import Pagination

from config.settings import Settings
from tests.integration.test_o365_contract_support import (
    bearer_token,
    graph_root,
    kam,
    raw_graph,
    unique,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def session(account: Account) -> Iterator[requests.Session]:
    with raw_graph(account) as opened:
        yield opened


def _error(response: requests.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def test_users_across_pages_and_one_by_upn(account: Account, sandbox_settings: Settings) -> None:
    directory = account.directory()
    # O365 quirk: with limit=None, get_users ignores `batch` and asks for 999
    pages = directory.get_users(limit=100, batch=5)
    users = list(pages)
    one = directory.get_user(kam(sandbox_settings))

    assert isinstance(pages, Pagination) and len(users) > 5
    assert len({user.object_id for user in users}) == len(users)
    assert kam(sandbox_settings) in {user.user_principal_name for user in users}
    assert one.user_principal_name == kam(sandbox_settings) == one.mail
    assert one.object_id in {user.object_id for user in users}
    assert one.display_name


def _deleted_message_id(session: requests.Session, settings: Settings) -> str:
    """The id of a draft that existed and is gone: well formed, but not found."""
    url = f"{graph_root(settings)}/users/{kam(settings)}/messages"
    draft = session.post(url, json={"subject": unique("Short-lived draft")}).json()
    assert session.delete(f"{url}/{draft['id']}").status_code == 204
    return str(draft["id"])


def test_batch_with_mixed_results(session: requests.Session, sandbox_settings: Settings) -> None:
    user = f"/users/{kam(sandbox_settings)}"
    gone_id = _deleted_message_id(session, sandbox_settings)
    title = unique("Batch task")
    sequential = [
        {"id": "1", "method": "GET", "url": f"{user}/todo/lists"},
        {
            "id": "2", "method": "POST", "url": f"{user}/mailFolders/inbox/messages",
            "headers": {"Content-Type": "application/json"},
            "body": {"subject": title, "body": {"contentType": "text", "content": "draft"}},
            "dependsOn": ["1"],
        },
        {"id": "3", "method": "GET", "url": f"{user}/messages/{gone_id}", "dependsOn": ["2"]},
        {"id": "4", "method": "GET", "url": f"{user}/mailFolders/inbox", "dependsOn": ["3"]},
    ]  # fmt: skip
    parallel = [
        {"id": "a", "method": "GET", "url": f"{user}/mailFolders/inbox?$select=displayName"},
        {"id": "b", "method": "GET", "url": "/users/nobody@example.invalid"},
        {
            "id": "c", "method": "PATCH", "url": f"{user}/messages/{gone_id}", "body": {},
            "headers": {"Content-Type": "application/json"},
        },
    ]  # fmt: skip

    chained = session.post(f"{graph_root(sandbox_settings)}/$batch", json={"requests": sequential})
    loose = session.post(f"{graph_root(sandbox_settings)}/$batch", json={"requests": parallel})

    assert chained.status_code == loose.status_code == 200
    answers = {item["id"]: item for item in chained.json()["responses"]}
    statuses = {key: answer["status"] for key, answer in answers.items()}
    assert statuses == {"1": 200, "2": 201, "3": 404, "4": 424}
    assert answers["2"]["body"]["subject"] == title and answers["2"]["body"]["isDraft"]
    assert answers["3"]["body"]["error"]["code"] == "ErrorItemNotFound"
    assert answers["4"]["body"]["error"]["code"] == "FailedDependency"
    by_id = {item["id"]: item for item in loose.json()["responses"]}
    assert by_id["a"]["status"] == 200 and by_id["a"]["body"]["displayName"] == "Inbox"
    assert by_id["b"]["status"] == 404
    assert by_id["b"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert by_id["c"]["status"] == 404


def test_batch_refuses_more_than_twenty(
    session: requests.Session, sandbox_settings: Settings
) -> None:
    items = [{"id": str(n), "method": "GET", "url": "/users"} for n in range(21)]
    response = session.post(f"{graph_root(sandbox_settings)}/$batch", json={"requests": items})
    assert response.status_code == 400
    assert _error(response)["code"] == "BadRequest"


def test_max_page_size_preference(session: requests.Session, sandbox_settings: Settings) -> None:
    url = f"{graph_root(sandbox_settings)}/users/{kam(sandbox_settings)}/mailFolders/inbox/messages"
    first = session.get(url, headers={"Prefer": "odata.maxpagesize=4"})
    body = first.json()
    second = session.get(body["@odata.nextLink"], headers={"Prefer": "odata.maxpagesize=4"})

    assert first.headers["Preference-Applied"] == "odata.maxpagesize=4"
    assert len(body["value"]) == len(second.json()["value"]) == 4
    first_ids = {message["id"] for message in body["value"]}
    assert not first_ids & {message["id"] for message in second.json()["value"]}


def test_request_ids_are_returned(session: requests.Session, sandbox_settings: Settings) -> None:
    client_request_id = str(uuid.uuid4())
    answered = session.get(
        f"{graph_root(sandbox_settings)}/users/{kam(sandbox_settings)}",
        headers={"client-request-id": client_request_id},
    )
    failed = session.get(f"{graph_root(sandbox_settings)}/users/{kam(sandbox_settings)}/nothing")

    assert answered.headers["client-request-id"] == client_request_id
    assert uuid.UUID(answered.headers["request-id"])
    assert uuid.UUID(failed.headers["request-id"])
    inner = _error(failed)["innerError"]
    assert inner["request-id"] == failed.headers["request-id"] and inner["date"]


def test_error_bodies(session: requests.Session, sandbox_settings: Settings) -> None:
    user_url = f"{graph_root(sandbox_settings)}/users/{kam(sandbox_settings)}"
    missing = session.get(f"{user_url}/messages/{_deleted_message_id(session, sandbox_settings)}")
    malformed = session.get(f"{user_url}/messages/not-an-id")
    bad_filter = session.get(f"{user_url}/messages", params={"$filter": "subject eq"})
    bad_segment = session.get(f"{user_url}/noSuchThing")
    no_token = requests.get(user_url)

    assert (missing.status_code, _error(missing)["code"]) == (404, "ErrorItemNotFound")
    assert missing.headers["Content-Type"].startswith("application/json")
    assert malformed.status_code == 400
    assert _error(malformed)["code"] == "ErrorInvalidIdMalformed"
    assert bad_filter.status_code == 400 and _error(bad_filter)["code"] == "BadRequest"
    assert bad_segment.status_code == 400 and _error(bad_segment)["code"] == "BadRequest"
    assert no_token.status_code == 401
    assert _error(no_token)["code"] == "InvalidAuthenticationToken"


def test_expired_token_is_refused_until_renewed(
    account: Account, session: requests.Session, sandbox_settings: Settings
) -> None:
    """A token revoked before its time: O365 does not renew it on 401 (its token is not
    expired by the clock, and msal keeps handing out the cached one); dropping msal's
    cached app token and asking again, as kamsync's GraphClient does, recovers."""
    root = str(sandbox_settings.m365.graph_url).rstrip("/")
    user_url = f"{graph_root(sandbox_settings)}/users/{kam(sandbox_settings)}"
    assert session.get(user_url).status_code == 200

    assert requests.post(f"{root}/_sandbox/graph/tokens/expire").status_code == 200
    refused = session.get(user_url)
    with pytest.raises(requests.HTTPError) as o365_refused:
        account.directory().get_user(kam(sandbox_settings))
    connection: Any = account.con
    cached = connection.msal_client.acquire_token_for_client(scopes=[connection.scope])
    # the workaround kamsync's GraphClient uses: drop msal's cached app token, renew
    connection.msal_client.remove_tokens_for_client()
    connection.refresh_token()
    fresh = bearer_token(account)

    assert refused.status_code == 401
    assert _error(refused)["code"] == "InvalidAuthenticationToken"
    assert "expired" in _error(refused)["message"]
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert o365_refused.value.response.status_code == 401
    assert f"Bearer {cached['access_token']}" == session.headers["Authorization"]
    assert fresh != cached["access_token"]
    assert account.directory().get_user(kam(sandbox_settings)) is not None
