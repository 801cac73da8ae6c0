"""The shapes of the referrals service's success answers, as its OpenAPI document declares
them (``endpoint(response=...)``). The operations build plain dicts (services/referrals/
operations/views.py and each operation); these models only describe them, and the fuzz tier
(tests/fuzz) checks every answer against them.

A referral's packet is the snapshot the cases service built (services/cases/responses.py
``Packet``), shown as the reader may see it (a sensitive section can be ``{"redacted":
true}``): it is declared as an object. A field only some readers get (the sender's case id,
the receiver's linked case) has a default of None: the model then accepts its absence."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Any

from pydantic import RootModel

from common.http.openapi import Answer


class OrgRef(Answer):
    """A member as the directory names it (null name and kind for one not yet known)."""

    id: str
    name: str | None
    kind: str | None


class PersonGlance(Answer):
    """What an inbox row shows of the person; the name only if it was shared."""

    age_band: str | None
    gender: str | None
    display_name: str | None = None


class ReferralSummary(Answer):
    id: str
    status: str
    box: str
    from_org: OrgRef
    to_org: OrgRef
    urgency: str
    categories: list[str]
    basis: str
    anonymous: bool
    person: PersonGlance
    respond_by: date
    due_at: datetime
    overdue: bool
    sent_at: datetime
    updated_at: datetime
    unread: bool
    unread_count: int


class ReasonedException(Answer):
    code: str
    reason: str | None


class Author(Answer):
    id: str
    name: str


class HistoryEntry(Answer):
    status: str
    from_status: str | None
    action: str
    at: datetime
    org_id: str | None
    actor_id: str | None
    actor_name: str | None
    reason_code: str | None
    reason: str | None


class DeclineAnswer(Answer):
    reason_code: str | None
    reason: str | None
    awaiting_center: bool


class WithdrawalAnswer(Answer):
    reason_code: str | None
    reason: str | None


class OutcomeAnswer(Answer):
    code: str
    note: str | None
    at: datetime | None


class NextStep(Answer):
    """For the sender of a referral that did not go through."""

    code: str
    actions: list[str]
    center: OrgRef | None


class LinkedCase(Answer):
    """The receiver's own case made from the referral; the sender never sees it."""

    id: str
    linked_at: datetime | None
    state: str
    outcomes: list[str]


class ReferralDetail(ReferralSummary):
    role: str
    reason: str
    exception: ReasonedException | None
    obtained_via: str
    consent_given_by: str | None
    representative_basis: str | None
    support_meeting: dict[str, Any] | None
    created_by: Author
    viewed_at: datetime | None
    answered_at: datetime | None
    packet: dict[str, Any]
    history: list[HistoryEntry]
    decline: DeclineAnswer | None
    withdrawal: WithdrawalAnswer | None
    outcome: OutcomeAnswer | None
    messages_count: int
    allowed_actions: list[str]
    # the sender's
    case_id: str | None = None
    consent_id: str | None = None
    next_step: NextStep | None = None
    # the receiver's
    linked_case_id: str | None = None
    linked_case: LinkedCase | None = None


class ReferralPreview(Answer):
    """The exact packet the receiver would see; nothing is sent."""

    case_id: str
    to_org_id: str
    basis: str
    categories: list[str]
    respond_by: date
    packet: dict[str, Any]
    data_items: list[str]


class Recipient(Answer):
    id: str
    name: str
    kind: str


class MessageAnswer(Answer):
    id: str
    referral_id: str
    org_id: str
    author_id: str
    author_name: str
    body: str
    created_at: datetime


# --- the prefectural center ------------------------------------------------------------------


class OversightDecline(Answer):
    """The receiver's words (``reason``, ``requested_by``) only for the center's list."""

    reason_code: str | None
    requested_at: datetime | None
    reason: str | None = None
    requested_by: str | None = None


class OversightItem(Answer):
    """A referral as the center sees it: no person, no packet."""

    id: str
    status: str
    from_org: OrgRef
    to_org: OrgRef
    urgency: str
    basis: str
    categories: list[str]
    sent_at: datetime
    respond_by: date
    updated_at: datetime
    unanswered_flagged_at: datetime | None
    decline: OversightDecline | None


class MemberCounts(Answer):
    org: OrgRef
    incoming_open: int
    incoming_overdue: int
    outgoing_open: int
    accepted: int
    declined: int
    expired: int


class OversightSummary(Answer):
    consortium_id: str
    as_of: datetime
    by_status: dict[str, int]
    open: int
    overdue: int
    unanswered_flagged: int
    urgent_open: int
    awaiting_center: int
    members: list[MemberCounts]


class PolicyAnswer(Answer):
    consortium_id: str
    decline_requires_center_confirmation: bool
    unanswered_days: int
    urgent_unanswered_days: int
    default_respond_days: int
    urgent_respond_days: int
    updated_at: datetime | None
    updated_by: str | None
    editable: bool


# --- notifications ---------------------------------------------------------------------------


class NotificationAnswer(Answer):
    id: str
    kind: str
    box: str
    referral_id: str | None
    status: str | None
    actor_org: OrgRef | None
    created_at: datetime
    read: bool


class UnreadCount(Answer):
    total: int
    incoming: int
    outgoing: int
    oversight: int


# --- the provision ledger --------------------------------------------------------------------


class Counterparty(Answer):
    id: str
    name: str
    address: str | None
    representative: str | None


class LedgerPerson(Answer):
    person_key: str
    case_id: str | None = None


class ProvisionRecordAnswer(Answer):
    """Every item APPI arts. 29/30 ask of a record, under API.md's names and the service's."""

    id: str
    direction: str
    date: dt.date
    at: datetime
    occurred_at: datetime
    counterparty: Counterparty
    referral_id: str
    case_id: str | None
    person_key: str
    person: LedgerPerson
    data_items: list[str]
    categories: list[str]
    basis: str
    consent_id: str | None
    consent_given_by: str | None
    representative_basis: str | None
    exception_code: str | None
    exception_reason: str | None
    support_meeting: dict[str, Any] | None
    obtained_via: str | None
    obtained_how: str | None
    recorded_at: datetime
    retain_until: dt.date


class ProvisionRecordsDue(Answer):
    as_of: date
    items: list[ProvisionRecordAnswer]
    truncated: bool


class CenterAnswer(RootModel[ReferralDetail | OversightItem]):
    """A decline the center confirms or rejects: a party to the referral gets the referral
    as it sees it; the center (a third member) gets the oversight row."""
