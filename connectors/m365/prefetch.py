"""Fetch many delta links ahead in `$batch` calls, so an incremental sync costs few requests.

An incremental sync asks every stored delta link once (a mail folder, a
calendar, a task list), and most answer one short page. Sent one by one that
is a request per stream; here up to 20 go in one `$batch` call and each answer
waits in the client for the `get` of exactly that link. A link whose answer is
not a plain 200 (throttled, a lost sync state) is simply not kept: the stream
asks for it again itself and handles the answer as it always does.
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors.errors import RetriableError
from connectors.m365.batch import BatchRequest, send_batch
from connectors.m365.client import GraphClient
from connectors.m365.delta import PAGE_SIZE


def prefetch_links(client: GraphClient, links: Sequence[str], *, page_size: int = PAGE_SIZE) -> int:
    """GET each delta link through `$batch` and keep the answers; returns how many were kept."""
    requests = [
        BatchRequest(str(number), "GET", link[len(client.root) :],
                     headers={"Prefer": f"odata.maxpagesize={page_size}"})
        for number, link in enumerate(links)
        if link.startswith(client.root + "/")
    ]  # fmt: skip
    if not requests:
        return 0
    try:
        results = send_batch(client, requests)
    except RetriableError:
        return 0  # still throttled: every stream will ask for its own link
    kept = 0
    for request in requests:
        result = results.get(request.id)
        if result is not None and result.status == 200 and isinstance(result.body, dict):
            client.keep_answer(client.root + request.url, result.body)
            kept += 1
    return kept
