"""Exponential backoff for reconnect and retry loops.

Short on purpose: MEASUREMENTS.md found kombu's ConsumerMixin resuming 7 s after the broker
came back because of its 2, 4, 6… s schedule. Jitter keeps replicas from retrying in step.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, initial: float = 0.1, maximum: float = 2.0, factor: float = 2.0) -> None:
        if initial <= 0 or maximum < initial or factor < 1:
            raise ValueError("need 0 < initial <= maximum and factor >= 1")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self._next = initial

    def next(self) -> float:
        """The delay to wait now; each call grows the following one, up to ``maximum``."""
        delay = self._next
        self._next = min(self._next * self.factor, self.maximum)
        return delay * random.uniform(0.75, 1.0)  # noqa: S311 - jitter, not a secret

    def reset(self) -> None:
        self._next = self.initial


def delay_for_attempt(attempt: int, base: float, maximum: float) -> float:
    """Delay before retry number ``attempt`` (1-based): base, 2·base, 4·base… capped."""
    return min(base * 2 ** max(attempt - 1, 0), maximum)
