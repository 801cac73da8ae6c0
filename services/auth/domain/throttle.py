"""Sign-in throttling by growing delays, never a lock-out (OWASP Authentication Cheat
Sheet, "Login Throttling"; NIST SP 800-63B §5.2.2).

Failures are counted three ways over a sliding window. Past a free allowance each new
failure doubles the wait before the next try is even looked at, up to a cap:

- this account from this address: the guesser's own failures (cap 15 min);
- this account from anywhere: a guesser with many addresses (cap 1 min);
- this address, any account: one address spraying many accounts (cap 15 min).

The last two do not apply from an address this account has signed in from before, so a
guesser cannot keep the rightful owner out: at worst a stranger's failures slow the owner
down for a minute on a new network. Only the first one ever touches the owner, and only
for their own mistakes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Rule:
    name: str
    free: int
    """Failures allowed before any wait."""
    base_seconds: float
    cap_seconds: float

    def delay(self, failures: int) -> float:
        """How long after the last failure the next try must wait."""
        if failures < self.free:
            return 0.0
        return min(self.cap_seconds, self.base_seconds * 2 ** (failures - self.free))


@dataclass(frozen=True)
class Tally:
    failures: int
    last_at: datetime | None


def rules(limit: int) -> tuple[Rule, Rule, Rule]:
    """(pair, account, address) for a base allowance of ``limit`` failures."""
    return (
        Rule("account_address", free=limit, base_seconds=5, cap_seconds=900),
        Rule("account", free=limit * 2, base_seconds=5, cap_seconds=60),
        Rule("address", free=limit * 4, base_seconds=5, cap_seconds=900),
    )


def wait_seconds(rule: Rule, tally: Tally, now: datetime) -> int:
    """Whole seconds still to wait (0: go ahead)."""
    if tally.last_at is None:
        return 0
    until = tally.last_at + timedelta(seconds=rule.delay(tally.failures))
    remaining = (until - now).total_seconds()
    return max(0, math.ceil(remaining))
