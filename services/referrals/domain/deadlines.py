"""Respond-by dates, expiry and the "left unanswered" flag. A date alone means that day in
JST: a referral due on 5 May may be answered until 23:59:59 JST that day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from common.clock import jst_date, start_of_jst_day
from common.errors import FieldError
from services.referrals.domain.codes import Urgency
from services.referrals.domain.policy import ReferralPolicy
from services.referrals.domain.states import AWAITING_ANSWER, Status


def due_at(respond_by: date) -> datetime:
    """The first moment after the respond-by day (aware UTC)."""
    return start_of_jst_day(respond_by + timedelta(days=1))


def default_respond_by(sent_at: datetime, urgency: Urgency, policy: ReferralPolicy) -> date:
    return jst_date(sent_at) + timedelta(days=policy.respond_days(urgency))


def respond_by_errors(respond_by: date, now: datetime) -> list[FieldError]:
    if respond_by < jst_date(now):
        return [FieldError("respond_by", "The respond-by date is in the past", "in_past")]
    if respond_by > jst_date(now) + timedelta(days=366):
        return [FieldError("respond_by", "The respond-by date is too far ahead", "too_far")]
    return []


def is_overdue(status: Status, due: datetime, now: datetime) -> bool:
    """The receiver has not answered and the respond-by day has passed: it expires."""
    return status in AWAITING_ANSWER and now >= due


def left_unanswered(
    status: Status,
    sent_at: datetime,
    urgency: Urgency,
    flagged_at: datetime | None,
    now: datetime,
    policy: ReferralPolicy,
) -> bool:
    """Still waiting for an answer after the policy's days, and the center not told yet."""
    if status not in AWAITING_ANSWER or flagged_at is not None:
        return False
    return now >= sent_at + timedelta(days=policy.unanswered_after_days(urgency))
