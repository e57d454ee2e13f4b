"""Directory users: listing, paging, $select/$filter, lookup by id or UPN."""

from __future__ import annotations

import pytest

from tests.unit.test_sandbox_graph_support import ALICE, TENANT_DOMAIN, TestClient


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def test_list_returns_default_properties(client: TestClient) -> None:
    body = client.get("/v1.0/users").json()

    assert body["@odata.context"] == "http://testserver/v1.0/$metadata#users"
    names = sorted(user["displayName"] for user in body["value"])
    assert names == ["Alice Adams", "Bob Brown", "Carol Clark"]
    alice = next(user for user in body["value"] if user["id"] == ALICE)
    assert alice["businessPhones"] == []
    assert alice["userPrincipalName"] == f"alice@{TENANT_DOMAIN}"
    assert "accountEnabled" not in alice


def test_paging_follows_absolute_skiptoken_links(client: TestClient) -> None:
    first = client.get("/v1.0/users?$top=2&$select=mail").json()
    next_link = first["@odata.nextLink"]
    second = client.get(next_link).json()

    assert next_link.startswith("http://testserver/v1.0/users?")
    assert "$skiptoken=" in next_link and "$top=2" in next_link
    assert len(first["value"]) == 2 and len(second["value"]) == 1
    assert "@odata.nextLink" not in second
    seen = {user["mail"] for user in first["value"] + second["value"]}
    assert len(seen) == 3


def test_select_limits_properties_and_names_them_in_context(client: TestClient) -> None:
    body = client.get("/v1.0/users?$select=displayName,accountEnabled").json()

    assert body["@odata.context"].endswith("#users(displayName,accountEnabled)")
    assert set(body["value"][0]) == {"id", "displayName", "accountEnabled"}


@pytest.mark.parametrize(
    "expression",
    [
        f"userPrincipalName eq 'ALICE@{TENANT_DOMAIN}'",
        f"mail eq 'alice@{TENANT_DOMAIN}'",
        "startswith(displayName, 'ali')",
        f"id in ('{ALICE}')",
    ],
)
def test_filter_finds_one_user(client: TestClient, expression: str) -> None:
    body = client.get("/v1.0/users", params={"$filter": expression}).json()

    assert [user["id"] for user in body["value"]] == [ALICE]


def test_orderby_display_name_descending(client: TestClient) -> None:
    body = client.get("/v1.0/users?$orderby=displayName desc&$select=displayName").json()

    assert [u["displayName"] for u in body["value"]] == ["Carol Clark", "Bob Brown", "Alice Adams"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"$top": "1000"}, "Request_BadRequest"),
        ({"$filter": "contains(displayName, 'a')"}, "Request_UnsupportedQuery"),
        ({"$filter": "shoeSize eq 3"}, "Request_BadRequest"),
        ({"$filter": "displayName eq"}, "BadRequest"),
        ({"$select": "shoeSize"}, "BadRequest"),
        ({"$orderby": "jobTitle"}, "Request_UnsupportedQuery"),
        ({"$search": '"displayName:ali"'}, "BadRequest"),
    ],
)
def test_unsupported_queries_are_refused(
    client: TestClient, query: dict[str, str], code: str
) -> None:
    response = client.get("/v1.0/users", params=query)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize("key", [ALICE, f"Alice@{TENANT_DOMAIN.upper()}"])
def test_get_user_by_id_or_case_insensitive_upn(client: TestClient, key: str) -> None:
    response = client.get(f"/v1.0/users/{key}?$select=jobTitle")

    assert response.status_code == 200
    assert response.json() == {
        "@odata.context": "http://testserver/v1.0/$metadata#users(jobTitle)/$entity",
        "id": ALICE,
        "jobTitle": "Key Account Manager",
    }


def test_unknown_user_is_request_resource_not_found(client: TestClient) -> None:
    response = client.get(f"/v1.0/users/nobody@{TENANT_DOMAIN}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "Request_ResourceNotFound"


def test_me_needs_a_delegated_token(client: TestClient) -> None:
    response = client.get("/v1.0/me/messages")

    assert response.status_code == 400
    assert "delegated authentication flow" in response.json()["error"]["message"]


def test_unknown_segment_is_named_in_the_error(client: TestClient) -> None:
    response = client.get(f"/v1.0/users/{ALICE}/contacts/123")

    assert response.status_code == 400
    assert response.json()["error"] == response.json()["error"] | {
        "code": "BadRequest",
        "message": "Resource not found for the segment 'contacts'.",
    }
