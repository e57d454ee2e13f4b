"""OpenID Connect userinfo: `GET|POST /services/oauth2/userinfo` with a bearer token.

Answers the token's user as Salesforce does (`sub` is the identity URL, ids
are 18 characters, `urls` hold a literal `{version}` for the client to fill).
Like Salesforce's identity service, a missing token answers 403
`Missing_OAuth_Token` and an invalid or expired one 403 `Bad_OAuth_Token`, as
plain text.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from sandbox.salesforce.auth import ORG_ID, TokenIssuer
from sandbox.salesforce.errors import ApiError
from sandbox.state import Doc, DocStore

_REST_URLS = {
    "rest": "",
    "sobjects": "sobjects/",
    "search": "search/",
    "query": "query/",
    "recent": "recent/",
    "tooling_rest": "tooling/",
    "tooling_soap": None,
}


def _urls(instance: str, user_id: str) -> dict[str, str]:
    data = f"{instance}/services/data/v{{version}}/"
    urls = {
        "enterprise": f"{instance}/services/Soap/c/{{version}}/{ORG_ID}",
        "metadata": f"{instance}/services/Soap/m/{{version}}/{ORG_ID}",
        "partner": f"{instance}/services/Soap/u/{{version}}/{ORG_ID}",
    }
    for name, suffix in _REST_URLS.items():
        if suffix is not None:
            urls[name] = data + suffix
    urls["tooling_soap"] = f"{instance}/services/Soap/T/{{version}}/{ORG_ID}"
    urls["profile"] = f"{instance}/{user_id}"
    urls["users"] = f"{data}chatter/users"
    urls["custom_domain"] = instance
    return urls


def userinfo_body(instance: str, user: Doc) -> dict[str, Any]:
    """The userinfo claims of `user` for a client of `instance` (scheme://host[:port])."""
    user_id = str(user["Id"])
    first, last = user.get("FirstName"), user.get("LastName")
    return {
        "sub": f"{instance}/id/{ORG_ID}/{user_id}",
        "user_id": user_id,
        "organization_id": ORG_ID,
        "preferred_username": user.get("Username"),
        "nickname": str(user.get("Username") or "").partition("@")[0],
        "name": " ".join(str(part) for part in (first, last) if part),
        "email": user.get("Email"),
        "email_verified": True,
        "given_name": first,
        "family_name": last,
        "zoneinfo": "GMT",
        "profile": f"{instance}/{user_id}",
        "address": {},
        "urls": _urls(instance, user_id),
        "active": bool(user.get("IsActive", True)),
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "updated_at": user.get("SystemModstamp"),
    }


class UserInfo:
    """The userinfo endpoint of one org."""

    def __init__(self, store: DocStore, tokens: TokenIssuer) -> None:
        self._store = store
        self._tokens = tokens

    async def endpoint(self, request: Request) -> Response:
        if not request.headers.get("authorization", "").strip():
            return PlainTextResponse("Missing_OAuth_Token", status_code=403)
        try:
            session = self._tokens.session_for(request)
        except ApiError:
            return PlainTextResponse("Bad_OAuth_Token", status_code=403)
        user = self._store.get("User", session.user_id)
        if user is None:
            return PlainTextResponse("Bad_OAuth_Token", status_code=403)
        instance = str(request.base_url).rstrip("/")
        return JSONResponse(userinfo_body(instance, user))
