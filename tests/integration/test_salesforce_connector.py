"""The Salesforce connector against the sandbox: real simple-salesforce over TLS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from simple_salesforce import Salesforce

from config.settings import Settings
from connectors.errors import ConnectorConfigError, FatalError
from connectors.salesforce import OBJECTS, PullPlan, SalesforceClient, plan_pull, pull_object

pytestmark = pytest.mark.integration

ACCOUNT = next(spec for spec in OBJECTS if spec.name == "Account")


def _plan(client: SalesforceClient) -> PullPlan:
    return plan_pull(client.describe("Account"), ACCOUNT.fields)


def test_token_flow_and_full_pull_in_cursor_order(sandbox_settings: Settings) -> None:
    client = SalesforceClient(sandbox_settings.salesforce)
    batches = list(pull_object(client, _plan(client), since=None))
    records = [row for batch in batches for row in batch.records.to_dict("records")]
    assert records, "the tiny org has accounts"
    assert len({row["Id"] for row in records}) == len(records)
    stamps = [row["SystemModstamp"] for row in records]
    assert stamps == sorted(stamps)
    assert batches[-1].watermark == stamps[-1]
    assert client.instance_url == str(sandbox_settings.salesforce.login_url).rstrip("/")
    used, limit = client.api_usage or (0, 0)
    assert 0 < used <= limit


def test_incremental_pull_sees_a_record_written_by_another_client(
    sandbox_settings: Settings,
) -> None:
    client = SalesforceClient(sandbox_settings.salesforce)
    watermark = [batch.watermark for batch in pull_object(client, _plan(client), None)][-1]
    assert watermark is not None
    other = Salesforce(
        instance_url=client.instance_url,
        session_id=client._session.access_token,
        version=sandbox_settings.salesforce.api_version,
    )
    created = other.Account.create({"Name": "Fresh Prospect Ltd"})
    changed = [
        row
        for batch in pull_object(client, _plan(client), watermark)
        for row in batch.records.to_dict("records")
    ]
    assert created["id"] in {row["Id"] for row in changed}
    assert len(changed) < 10, "only the overlap window and the new record are re-read"


def test_wrong_client_secret_names_the_fix(sandbox_settings: Settings) -> None:
    bad = sandbox_settings.salesforce.model_copy(update={"client_secret": SecretStr("wrong")})
    with pytest.raises(ConnectorConfigError, match=r"client_secret"):
        SalesforceClient(bad)


def test_malformed_query_is_a_fatal_error_with_salesforce_code(sandbox_settings: Settings) -> None:
    client = SalesforceClient(sandbox_settings.salesforce)
    with pytest.raises(FatalError, match="MALFORMED_QUERY"):
        list(client.query_pages("SELECT Id FROMM Account"))


@pytest.mark.parametrize("auth", ["jwt", "password"])
def test_jwt_bearer_and_password_sign_ins(
    sandbox: dict[str, Any], sandbox_settings: Settings, auth: str
) -> None:
    line = sandbox["salesforce"]
    settings = sandbox_settings.salesforce.model_copy(
        update={
            "auth": auth,
            "username": line["username"],
            "private_key_file": Path(line["private_key_file"]),
            "password": SecretStr(line["password"]),
        }
    )
    client = SalesforceClient(settings)
    assert client.count("SELECT COUNT() FROM Account") > 0


def test_an_unreadable_jwt_key_names_the_key(sandbox_settings: Settings, tmp_path: Path) -> None:
    not_a_key = tmp_path / "key.pem"
    not_a_key.write_text("not a key")
    settings = sandbox_settings.salesforce.model_copy(
        update={"auth": "jwt", "username": "someone@example.com", "private_key_file": not_a_key}
    )
    with pytest.raises(ConnectorConfigError, match="private_key_file"):
        SalesforceClient(settings)
