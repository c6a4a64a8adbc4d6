"""`Backoff`: how long the inbox worker waits before it runs a failed item again."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backoff:
    """Exponential, capped, with jitter: the n-th failure waits about base·factorⁿ⁻¹ seconds.

    `jitter` is the fraction of that delay drawn at random (0.5: between half and
    all of it), so items that failed together do not all come back together. A
    `Retry(after_seconds)` is honoured exactly: never sooner than the sender asked.
    """

    base_seconds: float = 2.0
    factor: float = 2.0
    cap_seconds: float = 600.0
    jitter: float = 0.5
    random: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, failures: int, *, requested: float | None = None) -> float:
        if requested is not None:
            return max(requested, 0.0)
        raw = min(self.cap_seconds, self.base_seconds * self.factor ** max(failures - 1, 0))
        return raw * (1.0 - self.jitter * self.random())
