"""Tables of the referrals service: referrals with their history and thread, in-app
notifications, each consortium's referral policy, the APPI provision records, and what
this service remembers of other services' facts (org directory, consents, linked cases)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.audit import AuditMixin
from common.clock import utcnow
from common.db import TYPE_ANNOTATION_MAP, new_metadata
from common.idempotency import IdempotentRequestMixin
from common.messaging.outbox import OutboxMixin, ProcessedEventMixin
from common.orgdirectory import OrgDirectoryMixin
from common.revocation import RevokedCredentialMixin

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP | {dict[str, Any]: JSONType, list[str]: JSONType}


class Referral(Base):
    """紹介: one hand-off of a person from the sender's case to another member."""

    __tablename__ = "referrals"
    __table_args__ = (
        sa.Index("ix_referrals_to_org_sent", "to_org_id", "sent_at", "id"),
        sa.Index("ix_referrals_from_org_sent", "from_org_id", "sent_at", "id"),
        sa.Index("ix_referrals_status_due", "status", "due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    consortium_id: Mapped[uuid.UUID] = mapped_column(index=True)
    from_org_id: Mapped[uuid.UUID]
    to_org_id: Mapped[uuid.UUID]
    case_id: Mapped[uuid.UUID]
    """The sender's case. Only the sender is ever shown it."""
    person_key: Mapped[uuid.UUID]
    created_by: Mapped[uuid.UUID]
    created_by_name: Mapped[str] = mapped_column(sa.String(100))
    reason: Mapped[str] = mapped_column(sa.Text())
    categories: Mapped[list[str]]
    basis: Mapped[str] = mapped_column(sa.String(16))
    consent_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    exception_code: Mapped[str | None] = mapped_column(sa.String(40))
    exception_reason: Mapped[str | None] = mapped_column(sa.Text())
    obtained_via: Mapped[str] = mapped_column(sa.String(40))
    urgency: Mapped[str] = mapped_column(sa.String(10))
    respond_by: Mapped[date]
    due_at: Mapped[datetime]
    """The first moment after the respond-by day in JST: from then on it expires."""
    status: Mapped[str] = mapped_column(sa.String(24))
    version: Mapped[int] = mapped_column(default=1)
    """Bumped by every update (SQLAlchemy's version counter): the compare-and-set that makes
    one of two concurrent accepts win and the other see the new state."""
    packet: Mapped[dict[str, Any]]
    """The snapshot taken at sending. The receiver never gets a live view of the case."""
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    viewed_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    decline_requested_by: Mapped[uuid.UUID | None]
    """Who asked to decline: the center's confirmer must be someone else (two-person rule)."""
    decline_reason_code: Mapped[str | None] = mapped_column(sa.String(40))
    decline_reason: Mapped[str | None] = mapped_column(sa.Text())
    withdraw_reason_code: Mapped[str | None] = mapped_column(sa.String(40))
    withdraw_reason: Mapped[str | None] = mapped_column(sa.Text())
    outcome: Mapped[str | None] = mapped_column(sa.String(40))
    outcome_note: Mapped[str | None] = mapped_column(sa.Text())
    completed_at: Mapped[datetime | None]
    linked_case_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    """The receiver's own case, opened by the cases service from referral.accepted."""
    linked_at: Mapped[datetime | None]
    unanswered_flagged_at: Mapped[datetime | None]
    """When the center was told the referral is left unanswered (once)."""

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper


class ReferralTransition(Base):
    """The history: who moved the referral from which status to which, when and why.
    Append-only, like the audit log."""

    __tablename__ = "referral_transitions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("referrals.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_status: Mapped[str | None] = mapped_column(sa.String(24))
    to_status: Mapped[str] = mapped_column(sa.String(24))
    action: Mapped[str] = mapped_column(sa.String(24))
    actor_id: Mapped[uuid.UUID | None]
    """None when the system acted (expiry, consent withdrawal)."""
    actor_org_id: Mapped[uuid.UUID | None]
    actor_name: Mapped[str | None] = mapped_column(sa.String(100))
    reason_code: Mapped[str | None] = mapped_column(sa.String(40))
    reason: Mapped[str | None] = mapped_column(sa.Text())


class ReferralMessage(Base):
    """The thread between the two orgs on one referral."""

    __tablename__ = "referral_messages"
    __table_args__ = (sa.Index("ix_referral_messages_thread", "referral_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("referrals.id"))
    org_id: Mapped[uuid.UUID]
    author_id: Mapped[uuid.UUID]
    author_name: Mapped[str] = mapped_column(sa.String(100))
    body: Mapped[str] = mapped_column(sa.Text())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """An in-app notice to every user of one org. Carries ids and codes, never content."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_org_created", "org_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID]
    box: Mapped[str] = mapped_column(sa.String(16))
    """incoming, outgoing or oversight: which box of the recipient it belongs to."""
    kind: Mapped[str] = mapped_column(sa.String(40))
    referral_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    status: Mapped[str | None] = mapped_column(sa.String(24))
    actor_org_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationRead(Base):
    """One user has read one notification; unread = no row for me."""

    __tablename__ = "notification_reads"

    notification_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("notifications.id"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReferralPolicyRow(Base):
    """A consortium's referral policy; a consortium without a row has the defaults."""

    __tablename__ = "referral_policies"

    consortium_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    decline_requires_center_confirmation: Mapped[bool] = mapped_column(default=False)
    unanswered_days: Mapped[int] = mapped_column(default=7)
    urgent_unanswered_days: Mapped[int] = mapped_column(default=1)
    default_respond_days: Mapped[int] = mapped_column(default=14)
    urgent_respond_days: Mapped[int] = mapped_column(default=3)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[uuid.UUID | None]


class ProvisionRecord(Base):
    """第三者提供記録 (APPI arts. 29/30): one row in the sender's ledger ("provided") and one
    in the receiver's ("received") per referral. Append-only at the database level and
    kept at least until ``retain_until``."""

    __tablename__ = "provision_records"
    __table_args__ = (sa.Index("ix_provision_records_org_date", "org_id", "occurred_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID]
    """Whose ledger the record belongs to."""
    direction: Mapped[str] = mapped_column(sa.String(10))
    """provided (the sender's record, art. 29) or received (the receiver's, art. 30)."""
    referral_id: Mapped[uuid.UUID] = mapped_column(index=True)
    occurred_at: Mapped[datetime]
    """The date of provision, or of receipt."""
    counterparty_org_id: Mapped[uuid.UUID]
    counterparty_name: Mapped[str] = mapped_column(sa.String(200))
    """The recipient's or the provider's name as it was on that day."""
    basis: Mapped[str] = mapped_column(sa.String(16))
    consent_id: Mapped[uuid.UUID | None]
    exception_code: Mapped[str | None] = mapped_column(sa.String(40))
    exception_reason: Mapped[str | None] = mapped_column(sa.Text())
    case_id: Mapped[uuid.UUID | None]
    """The sender's case: how the sender finds the person (the receiver's row has none)."""
    person_key: Mapped[uuid.UUID]
    data_items: Mapped[list[str]]
    obtained_via: Mapped[str | None] = mapped_column(sa.String(40))
    """How the provider obtained the data (取得の経緯); on the receiver's record."""
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[uuid.UUID | None]
    retain_until: Mapped[date]


class ConsentFact(Base):
    """What this service has heard of a consent on the queue (consent.recorded/withdrawn)."""

    __tablename__ = "consent_facts"

    consent_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID | None]
    expires_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseFact(Base):
    """The lifecycle of a receiver's linked case, as far as the referral needs it."""

    __tablename__ = "case_facts"

    case_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID | None]
    origin_referral_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(sa.String(10), default="open")
    state_as_of: Mapped[datetime]
    outcomes: Mapped[list[str]] = mapped_column(default=list)
    """Outcome codes recorded on the case (job_search_started, path_decided…)."""


class OrgDirectoryEntry(OrgDirectoryMixin, Base):
    pass


class AuditEntry(AuditMixin, Base):
    pass


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class RevokedCredential(RevokedCredentialMixin, Base):
    """Sessions, access tokens and users whose principal tokens are refused here
    (common.revocation), built from auth's events."""


class IdempotentRequest(IdempotentRequestMixin, Base):
    """Keyed POSTs done in the last 24 hours, and their answers (common.idempotency)."""
