"""Referral flow between members: what became of the referrals sent in a fiscal year."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

STATUS_EVENTS = {
    "referral.sent": "sent_at",
    "referral.viewed": "viewed_at",
    "referral.accepted": "accepted_at",
    "referral.declined": "declined_at",
    "referral.withdrawn": "withdrawn_at",
    "referral.completed": "completed_at",
    "referral.expired": "expired_at",
}
"""Each referral event sets the time of its status (the earliest, if heard twice)."""

COUNTED = ("sent", "viewed", "accepted", "declined", "withdrawn", "expired", "completed")


@dataclass(frozen=True)
class ReferralTimes:
    referral_id: uuid.UUID
    from_org_id: uuid.UUID
    to_org_id: uuid.UUID
    sent_at: datetime | None
    viewed_at: datetime | None
    accepted_at: datetime | None
    declined_at: datetime | None
    withdrawn_at: datetime | None
    completed_at: datetime | None
    expired_at: datetime | None

    def reached(self, status: str) -> bool:
        """Every referral heard of has been sent, even if ``referral.sent`` is late."""
        if status == "sent":
            return True
        return getattr(self, f"{status}_at") is not None

    @property
    def hours_to_acceptance(self) -> float | None:
        if self.sent_at is None or self.accepted_at is None:
            return None
        return (self.accepted_at - self.sent_at).total_seconds() / 3600

    @property
    def status(self) -> str:
        for status in ("completed", "accepted", "declined", "withdrawn", "expired", "viewed"):
            if self.reached(status):
                return status
        return "sent"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _edge(
    from_org_id: uuid.UUID | None, to_org_id: uuid.UUID | None, items: list[ReferralTimes]
) -> dict[str, Any]:
    hours = [h for h in (r.hours_to_acceptance for r in items) if h is not None]
    edge: dict[str, Any] = {
        "from_org_id": str(from_org_id) if from_org_id else None,
        "to_org_id": str(to_org_id) if to_org_id else None,
    }
    for status in COUNTED:
        edge[status] = sum(1 for r in items if r.reached(status))
    median = _median(hours)
    edge["median_hours_to_acceptance"] = round(median, 2) if median is not None else None
    return edge


def flow(referrals: Iterable[ReferralTimes]) -> dict[str, Any]:
    """Edges per (sender, receiver) and a total, each with counts per status reached and
    the median time from sending to acceptance."""
    by_edge: dict[tuple[uuid.UUID, uuid.UUID], list[ReferralTimes]] = {}
    everything: list[ReferralTimes] = []
    for r in referrals:
        by_edge.setdefault((r.from_org_id, r.to_org_id), []).append(r)
        everything.append(r)
    edges = [_edge(a, b, items) for (a, b), items in sorted(by_edge.items(), key=str)]
    return {"edges": edges, "total": _edge(None, None, everything)}
