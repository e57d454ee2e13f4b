"""The seeded random generator every generation stage draws from."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

T = TypeVar("T")


class StageRandom(random.Random):
    """`random.Random` with cheaper integer draws, for the millions a large seed makes.

    `randint` and `choice` scale one `random()` float instead of sampling bits until
    one fits: three times faster, and for the ranges a seed draws from (well below
    a million) each outcome's probability is off by less than 2**-33.
    """

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        return seq[int(self.random() * len(seq))]
