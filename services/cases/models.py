"""Tables of the cases service. Every person-level row carries ``org_id`` (its tenant)
so that each query can be scoped in the query itself."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.audit import AuditMixin
from common.clock import utcnow
from common.db import TYPE_ANNOTATION_MAP, new_metadata
from common.idempotency import IdempotentRequestMixin
from common.messaging.outbox import OutboxMixin, ProcessedEventMixin
from common.orgdirectory import OrgDirectoryMixin
from common.revocation import RevokedCredentialMixin


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class Person(Base):
    """The person of concern (本人). A pseudonym is a fine display name."""

    __tablename__ = "persons"
    __table_args__ = (
        # Covers the name search: LIKE '%…%' scans this index alone, never the table.
        sa.Index("ix_persons_org_search", "org_id", "search_key", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(index=True)
    person_key: Mapped[uuid.UUID] = mapped_column(index=True, default=uuid.uuid4)
    """Shared by the cases of one person across members (DESIGN §4)."""
    display_name: Mapped[str] = mapped_column(sa.String(100))
    kana: Mapped[str | None] = mapped_column(sa.String(100))
    anonymous: Mapped[bool] = mapped_column(default=False)
    """Known only through an anonymous (family) consultation so far."""
    search_key: Mapped[str] = mapped_column(sa.String(260))
    """textnorm.search_key of name and kana, joined by U+001F so a match cannot span both."""
    birth_year: Mapped[int | None]
    age_band: Mapped[str | None] = mapped_column(sa.String(10))
    """From a referral packet when the birth year was not shared."""
    gender: Mapped[str] = mapped_column(sa.String(10), default="unknown")
    municipality: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Case(Base):
    """One org's support of one person: the stage ladder and everything recorded."""

    __tablename__ = "cases"
    __table_args__ = (
        sa.Index("ix_cases_org_recent", "org_id", "last_activity_at", "id"),
        sa.Index("ix_cases_org_stage_recent", "org_id", "stage", "last_activity_at", "id"),
        sa.UniqueConstraint("org_id", "external_ref", name="uq_cases_org_id_external_ref"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID]
    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("persons.id"), unique=True)
    stage: Mapped[str] = mapped_column(sa.String(20), default="intake")
    stage_before_close: Mapped[str | None] = mapped_column(sa.String(20))
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(index=True)
    """The staff member in charge (担当者): a user id of the org."""
    created_by: Mapped[uuid.UUID | None] = mapped_column(index=True)
    origin_referral_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    """Set when the case was opened from an accepted referral: one case per referral."""
    origin_packet: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())
    """The referral packet the case was seeded from, without its sensitive notes."""
    external_ref: Mapped[str | None] = mapped_column(sa.String(64))
    """The org's own case number (管理番号) from an imported spreadsheet."""
    import_job_id: Mapped[uuid.UUID | None]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(sa.String(500))
    close_reason_code: Mapped[str | None] = mapped_column(sa.String(20))
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    """The newest record's time: the case list shows recent work first."""
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    """Counts changes to what an edit can change (person, stage, staff in charge, closed):
    the case's ETag. Bumped under the row lock by every operation that makes one."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class _CaseRecord:
    """Columns every record under a case has."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID]
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    recorded_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StageChange(_CaseRecord, Base):
    """The history of the ladder, with the reason for each close and reopen."""

    __tablename__ = "stage_changes"

    from_stage: Mapped[str | None] = mapped_column(sa.String(20))
    to_stage: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(10))
    """``open``, ``set``, ``advance``, ``close`` or ``reopen``."""
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Contact(_CaseRecord, Base):
    """A consultation (相談) with the person or their family."""

    __tablename__ = "contacts"

    channel: Mapped[str] = mapped_column(sa.String(20))
    by: Mapped[str] = mapped_column("by_party", sa.String(10))
    relationship: Mapped[str | None] = mapped_column(sa.String(20))
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    minutes: Mapped[int | None]
    summary: Mapped[str | None] = mapped_column(sa.Text())


class Activity(_CaseRecord, Base):
    """A support activity on the Kagoshima ladder."""

    __tablename__ = "activities"

    type: Mapped[str] = mapped_column(sa.String(30))
    occurred_at: Mapped[datetime]
    place: Mapped[str | None] = mapped_column(sa.String(200))
    accompanied: Mapped[bool | None]
    """Staff went along (同行)."""
    days: Mapped[int | None]
    allowance_yen: Mapped[int | None]
    checkpoint_months: Mapped[int | None]
    retained: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(sa.Text())


class Outcome(_CaseRecord, Base):
    __tablename__ = "outcomes"

    type: Mapped[str] = mapped_column(sa.String(30))
    path: Mapped[str | None] = mapped_column(sa.String(30))
    employer: Mapped[str | None] = mapped_column(sa.String(200))
    sector: Mapped[str | None] = mapped_column(sa.String(100))
    retained: Mapped[bool | None]
    checkpoint_months: Mapped[int | None]
    occurred_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(sa.Text())


class Consent(_CaseRecord, Base):
    """Consent to provide data of these categories to these member orgs (APPI art. 27)."""

    __tablename__ = "consents"

    to_org_ids: Mapped[list[str]] = mapped_column(sa.JSON())
    categories: Mapped[list[str]] = mapped_column(sa.JSON())
    method: Mapped[str] = mapped_column(sa.String(20))
    given_by: Mapped[str] = mapped_column(sa.String(20))
    given_by_relationship: Mapped[str | None] = mapped_column(sa.String(20))
    obtained_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdraw_reason: Mapped[str | None] = mapped_column(sa.String(500))
    withdrawn_by: Mapped[uuid.UUID | None]
    note: Mapped[str | None] = mapped_column(sa.String(500))


class Note(_CaseRecord, Base):
    """A case note. Sensitive ones (要配慮個人情報) are read only with the sensitive-read
    permission and never appear in lists, exports, events or logs."""

    __tablename__ = "notes"

    category: Mapped[str] = mapped_column(sa.String(20))
    sensitive: Mapped[bool] = mapped_column(index=True)
    body: Mapped[str] = mapped_column(sa.Text())
    source: Mapped[str] = mapped_column(sa.String(20), default="staff")
    """``staff`` or ``referral`` (carried in by an accepted referral's packet)."""
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportJob(Base):
    """A spreadsheet import: previewed, then committed all-or-nothing by the worker."""

    __tablename__ = "import_jobs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(index=True)
    consortium_id: Mapped[uuid.UUID | None]
    created_by: Mapped[uuid.UUID]
    filename: Mapped[str | None] = mapped_column(sa.String(200))
    format: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    """uploaded → checking → previewed | invalid; previewed → queued → committing →
    committed | failed; or discarded, expired. The worker does the checking and the
    committing: a web request never parses a sheet."""
    upload: Mapped[bytes | None] = mapped_column(sa.LargeBinary(), deferred=True)
    """The file as uploaded, kept only until the worker has checked it."""
    size_bytes: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_read: Mapped[int] = mapped_column(default=0, server_default="0")
    """Progress of the check, for the UI to poll."""
    total_rows: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    error_rows: Mapped[int] = mapped_column(default=0)
    case_count: Mapped[int] = mapped_column(default=0)
    contact_count: Mapped[int] = mapped_column(default=0)
    processed_cases: Mapped[int] = mapped_column(default=0)
    """Progress of the commit, for the UI to poll."""
    errors: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON(), default=list)
    payload: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON())
    """The validated drafts; cleared once committed, discarded or expired."""
    failure: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class StaffMember(Base):
    """The people of each org who have used the service, so cases can be assigned to
    them by name. Learned from verified principals; nothing else is kept."""

    __tablename__ = "staff_members"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[str] = mapped_column(sa.String(32))
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(AuditMixin, Base):
    pass


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class OrgDirectoryEntry(OrgDirectoryMixin, Base):
    pass


class RevokedCredential(RevokedCredentialMixin, Base):
    """Sessions, access tokens and users whose principal tokens are refused here
    (common.revocation), built from auth's events."""


class IdempotentRequest(IdempotentRequestMixin, Base):
    """Keyed POSTs done in the last 24 hours, and their answers (common.idempotency)."""
