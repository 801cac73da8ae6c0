"""A clock tests can move (services take a ``Clock``; see common.service.Runtime)."""

from __future__ import annotations

from datetime import datetime, timedelta

from common.clock import utcnow


class MovableClock:
    """Real time until :meth:`set` is called, then that moment (moved by :meth:`advance`)."""

    def __init__(self, moment: datetime | None = None) -> None:
        self._moment = moment

    def __call__(self) -> datetime:
        return self._moment if self._moment is not None else utcnow()

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("give the clock an aware datetime")
        self._moment = moment

    def advance(self, delta: timedelta) -> None:
        self._moment = self() + delta
