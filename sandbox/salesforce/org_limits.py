"""The org's limits as `GET /services/data/vXX.X/limits` reports them.

DailyApiRequests follows the request counter; the Bulk API 2.0 allocations are
`DailyAllowance`s the bulk resources draw from (`OrgLimits.bulk_query_jobs`,
`bulk_ingest_batches`); the rest are an Enterprise Edition org's allocations,
reported with nothing used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.responses import JSONResponse, Response

from sandbox.salesforce.api_context import ApiCall
from sandbox.salesforce.api_usage import ApiUsage, DailyAllowance
from sandbox.state import DocStore

#: Allocations the sandbox reports but does not draw from.
FIXED_ALLOCATIONS = {
    "DailyAsyncApexExecutions": 250_000,
    "DailyBulkV2QueryFileStorageMB": 976_562,
    "DailyStreamingApiEvents": 1_000_000,
    "DataStorageMB": 1_024,
    "FileStorageMB": 10_240,
    "SingleEmail": 5_000,
}


class OrgLimits:
    """Every allocation the limits resource shows, by its Salesforce name."""

    def __init__(self, store: DocStore, usage: ApiUsage, clock: Callable[[], datetime]) -> None:
        self.api_requests = usage
        self.bulk_query_jobs = DailyAllowance(store, "bulk_v2_query_jobs", 10_000, clock)
        self.bulk_ingest_batches = DailyAllowance(store, "bulk_api_batches", 15_000, clock)

    def report(self) -> dict[str, dict[str, int]]:
        counted = {
            "DailyApiRequests": self.api_requests,
            "DailyBulkApiBatches": self.bulk_ingest_batches,
            "DailyBulkV2QueryJobs": self.bulk_query_jobs,
        }
        shown = {
            name: {"Max": allowance.maximum, "Remaining": allowance.remaining()}
            for name, allowance in counted.items()
        }
        shown.update(
            (name, {"Max": maximum, "Remaining": maximum})
            for name, maximum in FIXED_ALLOCATIONS.items()
        )
        return dict(sorted(shown.items()))

    async def resource(self, call: ApiCall) -> Response:
        """GET /services/data/vXX.X/limits."""
        return JSONResponse(self.report())
