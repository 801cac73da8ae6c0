"""What the sender should do next when a referral did not go through: a person who was
referred still needs help, and an urgent one needs it now."""

from __future__ import annotations

from dataclasses import dataclass

from services.referrals.domain.codes import Urgency
from services.referrals.domain.states import Status


@dataclass(frozen=True)
class NextStep:
    code: str
    """``center_reviewing`` / ``awaiting_center`` (the center decides on the decline),
    ``refer_elsewhere_urgently`` (urgent, declined or expired: act today, with the center),
    ``refer_elsewhere`` (declined or expired)."""
    actions: tuple[str, ...]
    """What the UI offers: ``new_referral`` (refer the case again), ``contact_center``."""


def next_step(status: Status, urgency: Urgency, *, center_known: bool) -> NextStep | None:
    urgent = urgency is Urgency.URGENT
    center = ("contact_center",) if center_known else ()
    if status is Status.DECLINE_REQUESTED:
        return NextStep(
            "center_reviewing" if urgent else "awaiting_center", (*center, "new_referral")
        )
    if status in (Status.DECLINED, Status.EXPIRED):
        if urgent:
            return NextStep("refer_elsewhere_urgently", (*center, "new_referral"))
        return NextStep("refer_elsewhere", ("new_referral",))
    return None
