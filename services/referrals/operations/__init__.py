"""Referral operations. Each one owns its transaction: the state change, its history row,
its audit entries, its notifications and its outbox event commit together or not at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from common.clock import utcnow
from services.referrals.cases_client import PacketSource


@dataclass(frozen=True)
class ReferralDeps:
    packet_source: PacketSource
    """Asks the cases service for the packet, on behalf of the sender."""
    now: Callable[[], datetime] = field(default=utcnow)
    """The clock; tests move it to reach respond-by dates."""
