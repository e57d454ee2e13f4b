"""Stand-in for Microsoft Graph v1.0 and the Entra ID token endpoint.

`create_app` serves both: msal's authority is `{base}/{tenant_id}` and the
Graph root is `{base}/v1.0/`. `load_seed` writes a seeded tenant into the
store the app serves from.
"""

from __future__ import annotations

from sandbox.graph.app import create_app
from sandbox.graph.seed import load_seed

__all__ = ["create_app", "load_seed"]
