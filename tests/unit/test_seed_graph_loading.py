"""The generated tenant, loaded into the Graph stand-in, reads back as Graph would show it."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from urllib.parse import quote

from sandbox.graph import create_app, load_seed
from sandbox.state import DocStore
from tests.unit.test_sandbox_graph_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    TENANT_ID,
    authorized_client,
)
from tests.unit.test_seed_support import seed_of

TODAY = dt.date(2026, 11, 27)


def test_seeded_attachments_headers_and_shared_mailboxes_read_back(tmp_path: Path) -> None:
    seed = seed_of("tiny", TODAY)
    store = DocStore(tmp_path / "graph.sqlite")
    load_seed(store, seed.graph)
    app = create_app(store, tenant_id=TENANT_ID, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    client = authorized_client(app)
    user_id, message = next(
        (user_id, m)
        for user_id, messages in seed.graph.messages.items()
        for m in messages
        if m["hasAttachments"]
    )
    base = f"/v1.0/users/{user_id}/messages/{quote(message['id'], safe='')}"
    shown = client.get(base, params={"$select": "hasAttachments"}).json()
    assert shown["hasAttachments"] is True
    files = client.get(f"{base}/attachments").json()["value"]
    seeded = {doc["id"]: doc for doc in seed.graph.attachments[user_id]}
    assert [f["id"] for f in files] == message["_attachmentIds"]
    for found in files:
        assert found["contentBytes"] == seeded[found["id"]]["contentBytes"]
        assert len(base64.b64decode(found["contentBytes"])) == found["size"]
        assert "_attachmentIds" not in found

    user_id, bulk = next(
        (user_id, m)
        for user_id, messages in seed.graph.messages.items()
        for m in messages
        if m.get("internetMessageHeaders")
    )
    url = f"/v1.0/users/{user_id}/messages/{quote(bulk['id'], safe='')}"
    assert "internetMessageHeaders" not in client.get(url).json()
    selected = client.get(url, params={"$select": "internetMessageHeaders"}).json()
    assert selected["internetMessageHeaders"] == bulk["internetMessageHeaders"]

    users = client.get("/v1.0/users", params={"$select": "mail,accountEnabled"}).json()["value"]
    disabled = sorted(user["mail"] for user in users if user["accountEnabled"] is False)
    assert disabled == sorted(seed.truth.shared_mailboxes)
