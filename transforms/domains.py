"""Internet domains of accounts and e-mail addresses, the key for matching mail to accounts."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

# A plain "scheme://host/rest" or "//host/rest" whose host is bare ASCII (no user, port,
# brackets or controls): its host is the captured text, exactly as `urlsplit` would find it,
# at a fraction of the cost. Anything else goes through `urlsplit`.
_PLAIN_URL = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([A-Za-z0-9.-]*)(?:[/?#].*)?", re.DOTALL)


def website_domain(website: Any) -> str | None:
    """The bare host of a CRM Website ("https://www.Acme.com/about" -> "acme.com"), or None."""
    if not isinstance(website, str) or not website.strip():
        return None
    text = website.strip()
    # Users type "acme.com/x" without a scheme; urlsplit only finds the host after "//".
    url = text if "://" in text else f"//{text}"
    plain = _PLAIN_URL.fullmatch(url)
    host = plain.group(1) if plain else urlsplit(url).hostname
    if not host:
        return None
    host = host.rstrip(".").lower()
    return host.removeprefix("www.") or None


def email_domain(address: Any) -> str | None:
    """The domain part of an e-mail address, lower-case, or None when it has none."""
    if not isinstance(address, str):
        return None
    _, at, domain = address.strip().rpartition("@")
    if not at or not domain:
        return None
    return domain.lower()


def website_domains(websites: pd.Series) -> pd.Series:
    """`website_domain` over a column, keeping the index."""
    domains = [website_domain(value) for value in websites]
    return pd.Series(domains, index=websites.index, dtype=object)
