"""Errors of the Microsoft 365 connector, on top of the tree in `connectors.errors`.

FatalError
 └── GraphError         Graph answered an error kamsync cannot work around (status, code)
RetriableError
 └── DeltaReset         Graph dropped a delta round's sync state: resync that collection
"""

from __future__ import annotations

from connectors.errors import FatalError, RetriableError


class GraphError(FatalError):
    """Graph answered an error for a call kamsync cannot work around."""

    def __init__(self, message: str, status: int, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class DeltaReset(RetriableError):
    """Graph no longer knows the round's sync state: resync that collection from scratch."""
