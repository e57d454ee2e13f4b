"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.test_sandbox_graph_support import TestClient, authorized_client, seeded_app


@pytest.fixture
def graph_client(tmp_path: Path) -> Iterator[TestClient]:
    """A client of a freshly seeded Graph stand-in, signed in as the kamsync app."""
    app, store = seeded_app(tmp_path)
    with authorized_client(app) as test_client:
        yield test_client
    store.close()
