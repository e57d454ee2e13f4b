"""Looking for secrets and access tokens wherever a kamsync run leaves text behind.

A secret is looked for in every form it could be written in (as is, URL-encoded,
JSON-escaped, base64 at each alignment inside a longer string); a PEM key by each
line of its body. Places are read in full: files as bytes, ZIP members (the .xlsx
workbooks), and every row of every table of each SQLite database (the store,
Prefect's database), whose long values would otherwise be split across pages.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote, quote_plus

#: A Salesforce access token as the stand-in (and Salesforce) issues it: `<org id>!<secret>`.
SALESFORCE_TOKEN = re.compile(r"00D[A-Za-z0-9]{12}![A-Za-z0-9_.\-]{20,}")
#: A JWT, which Graph access tokens are (header.claims.signature, base64url).
JWT = re.compile(r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}")


def _base64_cores(data: bytes) -> set[str]:
    """Base64 of `data` as it appears inside any longer base64 text: for each of the
    three alignments, the characters that depend on `data` alone."""
    cores = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data).decode()
        start = (shift * 4 + 2) // 3  # characters touched by the padding bytes
        end = len(encoded) - (4 if (shift + len(data)) % 3 else 0)
        core = encoded[start:end].rstrip("=")
        if len(core) >= 8:
            cores |= {core, core.replace("+", "-").replace("/", "_")}
    return cores


def forms_of(secret: str) -> set[str]:
    """Every spelling of `secret` worth searching for."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    return forms | _base64_cores(secret.encode())


def pem_forms(pem: str) -> set[str]:
    """A PEM key is found by any full line of its base64 body (or that line's base64)."""
    lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    body = [line for line in lines if len(line) >= 40]
    assert body, "not a PEM key"
    forms = set(body)
    for line in body:
        forms |= _base64_cores(line.encode())
    return forms


def sqlite_dump(path: Path) -> str:
    """Every row of every table, one line each (read-only; a live writer is fine)."""
    lines = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                values = [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row]
                lines.append(f"{table}: " + " | ".join(values))
    return "\n".join(lines)


def _texts_of_file(path: Path) -> dict[str, str]:
    data = path.read_bytes()
    texts = {str(path): data.decode("latin-1")}
    if data.startswith(b"SQLite format 3"):
        texts[f"{path} (tables)"] = sqlite_dump(path)
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                texts[f"{path}!{member}"] = archive.read(member).decode("latin-1")
    return texts


def texts_under(*places: Path) -> dict[str, str]:
    """Each file under `places` (files or folders) as text, keyed by where it was read."""
    texts: dict[str, str] = {}
    for place in places:
        files = [place] if place.is_file() else sorted(p for p in place.rglob("*") if p.is_file())
        for path in files:
            if path.suffix in ("-wal", "-shm") or path.name.endswith(("-wal", "-shm")):
                continue  # their rows are read through the database itself
            texts |= _texts_of_file(path)
    return texts


def find_leaks(texts: Mapping[str, str], needles: Mapping[str, Iterable[str]]) -> list[str]:
    """`what` found `where`, for each needle (a named set of forms) found in any text."""
    return [
        f"{what} ({form[:12]}…) in {where}"
        for what, forms in needles.items()
        for form in forms
        for where, text in texts.items()
        if form in text
    ]


def issued_salesforce_tokens(sandbox_state: Path) -> set[str]:
    """Every access token the Salesforce stand-in issued (it keeps them to check calls)."""
    with sqlite3.connect(f"file:{sandbox_state / 'salesforce.db'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT id FROM docs WHERE collection = '_tokens'").fetchall()
    return {row[0] for row in rows}


def issued_graph_fingerprints(sandbox_state: Path) -> set[str]:
    """SHA-256 of every access token the Graph stand-in issued (it keeps only those)."""
    with sqlite3.connect(f"file:{sandbox_state / 'graph.db'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT id FROM docs WHERE collection = 'graph/tokens'").fetchall()
    return {row[0] for row in rows}


def token_leaks(
    texts: Mapping[str, str], salesforce_tokens: set[str], graph_fingerprints: set[str]
) -> list[str]:
    """Issued tokens found in `texts`: Salesforce's matched exactly, Graph's JWTs by their
    fingerprint; any other token-shaped string is reported too."""
    leaks = find_leaks(texts, {"a Salesforce access token": salesforce_tokens})
    for where, text in texts.items():
        for token in SALESFORCE_TOKEN.findall(text):
            if token not in salesforce_tokens:
                leaks.append(f"a Salesforce-token-shaped string ({token[:18]}…) in {where}")
        for token in JWT.findall(text):
            issued = hashlib.sha256(token.encode()).hexdigest() in graph_fingerprints
            what = "a Graph access token" if issued else "a JWT"
            leaks.append(f"{what} ({token[:12]}…) in {where}")
    return leaks
