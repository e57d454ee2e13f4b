"""The fault-injection core both stand-ins share: a book of armed faults and its admin route.

A fault is a JSON object stored in one store collection with an "id" and
"times" (how many matching requests it hits before it is spent). Each
stand-in validates its own settings (`arm`), decides which requests a fault
matches, and shapes the error it answers; this module keeps the book (store,
list, clear, spend one hit under a process-wide lock) and serves the admin
endpoint: POST arms (201 with the fault; 400 {"error": ...} for a body that is
not one), GET lists {"faults": [...]} oldest first, DELETE disarms all (204).
"""

from __future__ import annotations

import json
import secrets
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.state import Doc, DocStore

#: One lock for every fault book of the process: taking a fault is read-modify-write.
_LOCK = threading.Lock()


class FaultError(ValueError):
    """A fault the admin endpoint cannot arm; the message says why."""


def is_a(value: Any, expected: type | tuple[type, ...]) -> bool:
    """`isinstance`, except that a JSON boolean is no number."""
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return isinstance(value, kinds) and (not isinstance(value, bool) or bool in kinds)


def check_types(body: Doc, settings: dict[str, type | tuple[type, ...]]) -> None:
    """FaultError for the first setting of `body` whose value is not of its type."""
    for name, expected in settings.items():
        if name in body and not is_a(body[name], expected):
            raise FaultError(f"'{name}' has the wrong type")


def positive_times(body: Doc) -> int:
    """The fault's "times" (1 when absent), or FaultError."""
    times = body.get("times", 1)
    if not is_a(times, int) or times < 1:
        raise FaultError("'times' must be a positive integer")
    return int(times)


class FaultLedger(ABC):
    """The armed faults kept in one store collection, oldest first."""

    def __init__(self, store: DocStore, collection: str) -> None:
        self._store = store
        self._collection = collection

    @abstractmethod
    def arm(self, body: Any) -> Doc:
        """Store a fault described by a POSTed body (FaultError when it is not one)."""

    def keep(self, fault: Doc) -> Doc:
        """Store a validated fault under a fresh id; returns it as stored."""
        stored = {"id": secrets.token_hex(6), **fault}
        self._store.put(self._collection, stored["id"], stored)
        return stored

    def armed(self) -> list[Doc]:
        return self._store.all(self._collection)

    def clear(self) -> None:
        with _LOCK:
            for fault in self._store.all(self._collection):
                self._store.delete(self._collection, fault["id"])

    def spend(self, matches: Callable[[Doc], bool]) -> Doc | None:
        """Spend one hit of the oldest armed fault that `matches`, if any."""
        with _LOCK:
            for fault in self._store.all(self._collection):
                if not matches(fault):
                    continue
                if fault["times"] > 1:
                    self._store.put(
                        self._collection, fault["id"], {**fault, "times": fault["times"] - 1}
                    )
                else:
                    self._store.delete(self._collection, fault["id"])
                return fault
        return None


def admin_route(path: str, book: Callable[[Request], FaultLedger]) -> Route:
    """The admin endpoint at `path` over the book `book(request)` returns."""

    async def faults(request: Request) -> Response:
        ledger = book(request)
        if request.method == "GET":
            return JSONResponse({"faults": ledger.armed()})
        if request.method == "DELETE":
            ledger.clear()
            return Response(status_code=204)
        try:
            fault = ledger.arm(json.loads(await request.body()))
        except (json.JSONDecodeError, UnicodeDecodeError, FaultError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse(fault, status_code=201)

    return Route(path, faults, methods=["GET", "POST", "DELETE"])
