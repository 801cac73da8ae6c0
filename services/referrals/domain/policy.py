"""A consortium's referral policy, managed by its consortium admin."""

from __future__ import annotations

from dataclasses import dataclass

from services.referrals.domain.codes import Urgency
from services.referrals.domain.states import Action


@dataclass(frozen=True)
class ReferralPolicy:
    decline_requires_center_confirmation: bool = False
    """The two-person rule: a decline waits for the prefectural center to confirm it."""
    unanswered_days: int = 7
    """After this many days without an answer the center is told."""
    urgent_unanswered_days: int = 1
    default_respond_days: int = 14
    """respond_by when the sender gives none."""
    urgent_respond_days: int = 3

    def decline_action(self, *, urgent: bool = False, center_exists: bool = True) -> Action:
        """An urgent referral (the sender says the person may be at risk) is never dropped by
        one member alone: its decline goes to the center, whatever the two-person policy says
        — as long as the consortium has an active center to go to."""
        if not center_exists:
            return Action.DECLINE
        if urgent or self.decline_requires_center_confirmation:
            return Action.REQUEST_DECLINE
        return Action.DECLINE

    def respond_days(self, urgency: Urgency) -> int:
        return self.urgent_respond_days if urgency is Urgency.URGENT else self.default_respond_days

    def unanswered_after_days(self, urgency: Urgency) -> int:
        return self.urgent_unanswered_days if urgency is Urgency.URGENT else self.unanswered_days


DEFAULT_POLICY = ReferralPolicy()
