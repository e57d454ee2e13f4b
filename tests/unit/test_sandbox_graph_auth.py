"""The Entra authority stand-in and the bearer check in front of Graph."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.graph import create_app
from sandbox.state import DocStore
from tests.unit.test_sandbox_graph_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    GRAPH_SCOPE,
    TENANT_DOMAIN,
    TENANT_ID,
    TestClient,
    fetch_token,
    seeded_app,
)

TOKEN_PATH = f"/{TENANT_ID}/oauth2/v2.0/token"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app, store = seeded_app(tmp_path)
    with TestClient(app) as test_client:
        yield test_client
    store.close()


def _token_request(client: TestClient, **overrides: str) -> Any:
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": GRAPH_SCOPE,
    } | overrides
    return client.post(TOKEN_PATH, data={k: v for k, v in form.items() if v})


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=="))
    return claims


@pytest.mark.parametrize("tenant", [TENANT_ID, TENANT_DOMAIN])
def test_discovery_names_this_host_and_the_tenant_id(client: TestClient, tenant: str) -> None:
    response = client.get(f"/{tenant}/v2.0/.well-known/openid-configuration")

    config = response.json()
    assert response.status_code == 200
    assert config["token_endpoint"] == f"http://testserver/{TENANT_ID}/oauth2/v2.0/token"
    assert config["issuer"] == f"http://testserver/{TENANT_ID}/v2.0"
    assert config["authorization_endpoint"].endswith(f"/{TENANT_ID}/oauth2/v2.0/authorize")
    assert "client_secret_post" in config["token_endpoint_auth_methods_supported"]


def test_discovery_of_an_unknown_tenant_is_aadsts90002(client: TestClient) -> None:
    response = client.get("/nowhere.onmicrosoft.com/v2.0/.well-known/openid-configuration")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_tenant"
    assert response.json()["error_codes"] == [90002]
    assert "Tenant 'nowhere.onmicrosoft.com' not found" in response.json()["error_description"]


def test_client_credentials_token_has_entra_shape_and_claims(client: TestClient) -> None:
    response = _token_request(client)

    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == body["ext_expires_in"] == 3599
    claims = _claims(body["access_token"])
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["tid"] == TENANT_ID
    assert claims["appid"] == CLIENT_ID
    assert claims["iss"] == f"https://sts.windows.net/{TENANT_ID}/"
    assert "Mail.Send" in claims["roles"]
    assert claims["exp"] - claims["iat"] == 3600


def test_scope_may_name_the_sandbox_itself(client: TestClient) -> None:
    response = _token_request(client, scope="http://testserver/.default")

    assert response.status_code == 200
    assert _claims(response.json()["access_token"])["aud"] == "http://testserver"


@pytest.mark.parametrize(
    ("overrides", "status", "error", "code"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client", 7000215),
        ({"client_secret": ""}, 401, "invalid_client", 7000216),
        ({"client_id": "00000000-0000-0000-0000-000000000001"}, 400, "unauthorized_client", 700016),
        ({"grant_type": "password"}, 400, "unsupported_grant_type", 70003),
        ({"scope": ""}, 400, "invalid_request", 900144),
        ({"scope": "User.Read"}, 400, "invalid_scope", 1002012),
        ({"scope": "https://vault.azure.net/.default"}, 400, "invalid_resource", 500011),
    ],
)
def test_token_failures_answer_with_aadsts_errors(
    client: TestClient, overrides: dict[str, str], status: int, error: str, code: int
) -> None:
    response = _token_request(client, **overrides)

    body = response.json()
    assert response.status_code == status
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert {"timestamp", "trace_id", "correlation_id"} <= body.keys()


def test_token_for_unknown_tenant_is_refused(client: TestClient) -> None:
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID}
    response = client.post("/other-tenant/oauth2/v2.0/token", data=form)

    assert response.status_code == 400
    assert response.json()["error_codes"] == [90002]


def test_basic_auth_client_credentials_are_accepted(client: TestClient) -> None:
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    form = {"grant_type": "client_credentials", "scope": GRAPH_SCOPE}
    response = client.post(TOKEN_PATH, data=form, headers={"Authorization": f"Basic {basic}"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Access token is empty."),
        ("Bearer not-a-jwt", "IDX14100"),
        ("Bearer aaa.bbb.ccc", "Invalid signature."),
    ],
)
def test_graph_refuses_requests_without_a_live_token(
    client: TestClient, authorization: str | None, message: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/v1.0/users", headers=headers)

    error = response.json()["error"]
    assert response.status_code == 401
    assert error["code"] == "InvalidAuthenticationToken"
    assert message in error["message"]
    assert error["innerError"]["request-id"] == response.headers["request-id"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_refused(tmp_path: Path) -> None:
    app, store = seeded_app(tmp_path, token_lifetime_seconds=0)
    with TestClient(app) as client:
        token = fetch_token(client)
        response = client.get("/v1.0/users", headers={"Authorization": f"Bearer {token}"})
    store.close()

    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_issued_tokens_survive_a_restart(tmp_path: Path) -> None:
    app, store = seeded_app(tmp_path)
    with TestClient(app) as client:
        token = fetch_token(client)
    store.close()

    reopened = DocStore(tmp_path / "graph.sqlite")
    restarted = create_app(
        reopened, tenant_id=TENANT_ID, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    )
    with TestClient(restarted) as client:
        response = client.get("/v1.0/users", headers={"Authorization": f"Bearer {token}"})
    reopened.close()

    assert response.status_code == 200


def test_every_response_carries_request_ids(client: TestClient) -> None:
    token = fetch_token(client)
    headers = {"Authorization": f"Bearer {token}", "client-request-id": "my-call-42"}
    response = client.get("/v1.0/users", headers=headers)

    assert response.headers["client-request-id"] == "my-call-42"
    assert len(response.headers["request-id"]) == 36
