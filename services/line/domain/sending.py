"""How a message reaches a LINE user, and what LINE's answers mean.

- The reply API is free but needs the event's reply token, usable once and only for a
  short while: we use it while it is under ``REPLY_TOKEN_FRESH`` old.
- Otherwise the push API, which counts against the monthly quota; it carries an
  ``X-Line-Retry-Key`` so that a retry after a lost answer is not sent twice (LINE answers
  409 for a key it has already accepted: that is success).
- 429 means two different things: the rate limit (wait and retry) or the monthly limit
  ("You have reached your monthly limit."), which no retry can fix.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

REPLY_TOKEN_FRESH = timedelta(seconds=50)
MONTHLY_LIMIT_MESSAGE = "You have reached your monthly limit"
QUOTA_WARNING_SHARE = 0.8
"""The desk admin is warned when the month's consumption reaches this share of the quota."""
MAX_TEXT_LENGTH = 5000
"""LINE's limit for one text message."""


def reply_token_usable(token: str | None, issued_at: datetime | None, now: datetime) -> bool:
    return bool(token) and issued_at is not None and now - issued_at < REPLY_TOKEN_FRESH


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    """Try again later (outage, rate limit, server error): nothing is lost."""
    OVER_QUOTA = "over_quota"
    """The monthly limit: held, never retried blindly."""
    REFUSED = "refused"
    """A 4xx no retry can change (a blocked user, a bad request)."""
    REPLY_REFUSED = "reply_refused"
    """The reply token was refused (expired or used): push instead."""


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reason: str
    retry_after: float | None = None


def judge(status: int, message: str, *, via: str, retry_after: float | None = None) -> Verdict:
    """What to do after LINE answered ``status`` with ``message`` (its error body's message)."""
    if 200 <= status < 300:
        return Verdict(Outcome.SENT, "ok")
    if status == 409 and via == "push":
        return Verdict(Outcome.SENT, "already accepted (retry key)")
    if status == 429:
        if MONTHLY_LIMIT_MESSAGE.lower() in message.lower():
            return Verdict(Outcome.OVER_QUOTA, "monthly limit reached")
        return Verdict(Outcome.RETRY, "rate limited", retry_after)
    if status == 400 and via == "reply" and "reply token" in message.lower():
        return Verdict(Outcome.REPLY_REFUSED, "reply token refused")
    if status >= 500 or status in (0, 408):
        return Verdict(Outcome.RETRY, f"LINE answered {status}" if status else "unreachable")
    return Verdict(Outcome.REFUSED, f"LINE refused ({status})")


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Seconds until the next try: 2, 4, 8 … capped at five minutes, or what LINE asked."""
    if retry_after is not None and retry_after > 0:
        return timedelta(seconds=min(retry_after, 300.0))
    return timedelta(seconds=min(2.0 ** max(attempts, 1), 300.0))


def quota_warning(quota: int | None, consumed: int | None) -> bool:
    return bool(quota) and consumed is not None and consumed >= QUOTA_WARNING_SHARE * (quota or 0)


class RateLimiter:
    """A token bucket shared by every sending thread of a process, with a pause that a
    rate-limit 429 imposes on all of them at once."""

    def __init__(
        self, per_second: float, burst: int | None = None, clock: object = time.monotonic
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.rate = per_second
        self.capacity = float(burst or max(1, int(per_second)))
        self._tokens = self.capacity
        self._clock = clock
        self._updated = self._now()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def _now(self) -> float:
        clock = self._clock
        return float(clock())  # type: ignore[operator]

    def try_acquire(self) -> bool:
        """Take one token if there is one (and no pause is in force); never blocks."""
        with self._lock:
            now = self._now()
            if now < self._paused_until:
                return False
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self._now() + seconds)
