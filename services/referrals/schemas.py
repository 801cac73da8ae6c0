"""Request bodies and queries of the referrals API (pydantic: bad input is a 422 with fields).

The shapes extend API.md "Referrals"; nothing there is renamed. Rules that need more than
one field (the legal basis) live in ``domain.gate`` so they answer with the same field
errors whatever the caller.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from common.clock import jst_date
from common.schemas import Body, PageQuery, Query
from services.referrals.domain.codes import (
    Category,
    DeclineReason,
    ExceptionCode,
    ObtainedVia,
    Outcome,
    SupportMeetingLaw,
    Urgency,
    WithdrawReason,
)
from services.referrals.domain.states import Status

Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
MessageBody = Annotated[str, StringConstraints(min_length=1, max_length=4000)]


def _date_or_datetime(value: object) -> object:
    """A respond-by date; a full timestamp is taken as its JST calendar day."""
    if isinstance(value, str) and "T" in value:
        try:
            return jst_date(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


class ExceptionBasis(Body):
    code: ExceptionCode
    reason: Reason


class SupportMeeting(Body):
    """The record of the support meeting (支援会議) a referral relies on."""

    law: SupportMeetingLaw
    constituted_by: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    """Who constituted the meeting (e.g. 甲府市 生活福祉課)."""
    held_on: date
    member_org_ids: list[uuid.UUID] = Field(min_length=2, max_length=50)
    """The member organizations present, the sender and the receiver among them."""
    purpose: Annotated[str, StringConstraints(max_length=500)] | None = None


class ReferralCreate(Body):
    case_id: uuid.UUID
    to_org_id: uuid.UUID
    reason: Reason
    categories: list[Category] = Field(default_factory=list, max_length=len(Category))
    consent_id: uuid.UUID | None = None
    exception: ExceptionBasis | None = None
    support_meeting: SupportMeeting | None = None
    anonymous: bool = False
    urgency: Urgency = Urgency.NORMAL
    respond_by: Annotated[date | None, BeforeValidator(_date_or_datetime)] = None
    obtained_via: ObtainedVia = ObtainedVia.CONSULTATION
    """How the sender obtained the data, for the receiver's provision record."""

    @field_validator("categories")
    @classmethod
    def _unique(cls, value: list[Category]) -> list[Category]:
        if len(set(value)) != len(value):
            raise ValueError("Each category once")
        return value


class Decline(Body):
    reason: Reason
    reason_code: DeclineReason = DeclineReason.OTHER


class Withdraw(Body):
    reason: Reason
    reason_code: WithdrawReason = WithdrawReason.OTHER

    @field_validator("reason_code")
    @classmethod
    def _not_system(cls, value: WithdrawReason) -> WithdrawReason:
        if value is WithdrawReason.CONSENT_WITHDRAWN:
            raise ValueError("Set by the system when the person withdraws their consent")
        return value


class Complete(Body):
    outcome_note: Reason
    outcome: Outcome = Outcome.OTHER


class CenterDecision(Body):
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


class RejectDecline(Body):
    reason: Reason


class MessageCreate(Body):
    body: MessageBody


class Box(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class ReferralListQuery(PageQuery):
    box: Box | None = None
    status: list[Status] | None = None
    urgency: Urgency | None = None
    unread: bool | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [v for v in value.split(",") if v]
        return value


class NotificationQuery(PageQuery):
    unread: bool | None = None
    referral_id: uuid.UUID | None = None


class MarkAllRead(Body):
    referral_id: uuid.UUID | None = None


class PolicyUpdate(Body):
    decline_requires_center_confirmation: bool | None = None
    unanswered_days: int | None = Field(default=None, ge=1, le=90)
    urgent_unanswered_days: int | None = Field(default=None, ge=1, le=30)
    default_respond_days: int | None = Field(default=None, ge=1, le=180)
    urgent_respond_days: int | None = Field(default=None, ge=1, le=60)


class LedgerFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class Direction(StrEnum):
    PROVIDED = "provided"
    RECEIVED = "received"


class LedgerQuery(Query):
    from_: Annotated[date | None, BeforeValidator(_date_or_datetime)] = Field(
        default=None, alias="from"
    )
    to: Annotated[date | None, BeforeValidator(_date_or_datetime)] = None
    format: LedgerFormat = LedgerFormat.JSON
    direction: Direction | None = None
    person_key: uuid.UUID | None = None
    """One person's records (the cases service's disclosure asks this way)."""
    limit: int = Field(default=200, ge=1, le=1000)
    cursor: str | None = Field(default=None, max_length=512)
