"""Tables of the reports service: a read model fed only by events.

Three layers, each derivable from the one before, so ``reports-rebuild`` can recompute
everything from ``report_events``:

1. ``report_events`` — every event heard, stored once (the source of truth here);
2. ``report_facts`` — what each event means for the KPIs: one row per (event, measure)
   with the person it counts, the fiscal year and the fiscal month;
3. aggregates kept up to date as facts arrive — ``report_person_sets`` (who has been
   counted per scope, year and measure), ``report_person_months`` (the same per month) and
   ``report_tallies`` (the counts a report reads). A KPI report is a handful of primary-key
   range reads on ``report_tallies``.

Set membership and counter increments commute, so the aggregates are the same whatever
order the events arrive in.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.audit import AuditMixin
from common.clock import utcnow
from common.db import TYPE_ANNOTATION_MAP, new_metadata
from common.idempotency import IdempotentRequestMixin
from common.messaging.outbox import ProcessedEventMixin
from common.orgdirectory import OrgDirectoryMixin
from common.revocation import RevokedCredentialMixin

SCOPE_KIND = sa.String(12)
"""``org`` or ``consortium``."""
SUBJECT = sa.String(128)
"""A person key (uuid text) or, for LINE, the salted user hash."""
MEASURE = sa.String(64)


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class StoredEvent(Base):
    """Every event the consumer heard, exactly once, as it arrived."""

    __tablename__ = "report_events"

    seq: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    type: Mapped[str] = mapped_column(sa.String(64), index=True)
    occurred_at: Mapped[datetime]
    org_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    consortium_id: Mapped[uuid.UUID | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    body: Mapped[str] = mapped_column(sa.Text())
    """The JSON envelope as received."""


class Fact(Base):
    """One thing an event counts: ``subject`` did ``measure`` in ``fiscal_year``/``period``."""

    __tablename__ = "report_facts"
    __table_args__ = (
        sa.Index("ix_report_facts_org", "org_id", "fiscal_year"),
        sa.Index("ix_report_facts_consortium", "consortium_id", "fiscal_year"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(MEASURE, primary_key=True)
    org_id: Mapped[uuid.UUID | None]
    consortium_id: Mapped[uuid.UUID | None]
    """None while the org's consortium is unknown; filled when its ``org.*`` event arrives."""
    fiscal_year: Mapped[int]
    period: Mapped[int] = mapped_column(sa.SmallInteger())
    """Fiscal month: 1 = April … 12 = March (JST)."""
    subject: Mapped[str] = mapped_column(SUBJECT)
    occurred_at: Mapped[datetime]


class PersonSet(Base):
    """The distinct subjects counted per scope, fiscal year and measure (実人数)."""

    __tablename__ = "report_person_sets"

    scope_kind: Mapped[str] = mapped_column(SCOPE_KIND, primary_key=True)
    scope_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(MEASURE, primary_key=True)
    subject: Mapped[str] = mapped_column(SUBJECT, primary_key=True)
    first_period: Mapped[int] = mapped_column(sa.SmallInteger())
    """The fiscal month of the subject's first fact in the year (for 新規 per month)."""


class PersonMonth(Base):
    """The distinct subjects per scope, fiscal year, fiscal month and measure."""

    __tablename__ = "report_person_months"

    scope_kind: Mapped[str] = mapped_column(SCOPE_KIND, primary_key=True)
    scope_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[int] = mapped_column(sa.SmallInteger(), primary_key=True)
    measure: Mapped[str] = mapped_column(MEASURE, primary_key=True)
    subject: Mapped[str] = mapped_column(SUBJECT, primary_key=True)


class Tally(Base):
    """The counts reports read. ``period`` 0 is the whole fiscal year, 1–12 its months."""

    __tablename__ = "report_tallies"

    scope_kind: Mapped[str] = mapped_column(SCOPE_KIND, primary_key=True)
    scope_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[int] = mapped_column(sa.SmallInteger(), primary_key=True)
    measure: Mapped[str] = mapped_column(MEASURE, primary_key=True)
    events: Mapped[int] = mapped_column(default=0)
    """延べ: every fact."""
    persons: Mapped[int] = mapped_column(default=0)
    """実人数: distinct subjects in the period."""
    new_persons: Mapped[int] = mapped_column(default=0)
    """Subjects whose first fact of the fiscal year falls in this period (= persons for 0)."""


class ReferralRecord(Base):
    """One referral as its events describe it; each status keeps its earliest time."""

    __tablename__ = "report_referrals"
    __table_args__ = (sa.Index("ix_report_referrals_consortium", "consortium_id", "fiscal_year"),)

    referral_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    consortium_id: Mapped[uuid.UUID | None]
    from_org_id: Mapped[uuid.UUID] = mapped_column(index=True)
    to_org_id: Mapped[uuid.UUID] = mapped_column(index=True)
    fiscal_year: Mapped[int]
    """The year it was sent in (from ``referral.sent``; the earliest year heard until then)."""
    sent_fiscal_year: Mapped[int | None]
    sent_at: Mapped[datetime | None]
    viewed_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]


class Target(Base):
    """A KPI target of one org or one consortium for one fiscal year."""

    __tablename__ = "report_targets"

    scope_kind: Mapped[str] = mapped_column(SCOPE_KIND, primary_key=True)
    scope_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(primary_key=True)
    kpi: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    target: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[uuid.UUID | None]


class Plan(Base):
    """The plan period (計画期間) the cumulative column adds up: N years from a start year."""

    __tablename__ = "report_plans"

    scope_kind: Mapped[str] = mapped_column(SCOPE_KIND, primary_key=True)
    scope_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    start_fiscal_year: Mapped[int]
    years: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[uuid.UUID | None]


class Snapshot(Base):
    """A submitted annual report, frozen: append-only at the database level."""

    __tablename__ = "report_snapshots"
    __table_args__ = (sa.UniqueConstraint("scope_kind", "scope_id", "fiscal_year", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scope_kind: Mapped[str] = mapped_column(SCOPE_KIND)
    scope_id: Mapped[uuid.UUID]
    fiscal_year: Mapped[int]
    version: Mapped[int]
    frozen_at: Mapped[datetime] = mapped_column(default=utcnow)
    frozen_by: Mapped[uuid.UUID | None]
    note: Mapped[str | None] = mapped_column(sa.String(500))
    content: Mapped[str] = mapped_column(sa.Text())
    """The KPI report as it stood, JSON, unsuppressed (suppression applies when shown)."""


class AuditEntry(AuditMixin, Base):
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


class AllowancePayment(Base):
    """One allowance (手当) paid for experiential work, as ``activity.recorded`` says:
    the ledger the programme accounts for, per person (person key, never a name)."""

    __tablename__ = "report_allowances"
    __table_args__ = (
        sa.Index("ix_report_allowances_org", "org_id", "fiscal_year"),
        sa.Index("ix_report_allowances_consortium", "consortium_id", "fiscal_year"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID]
    consortium_id: Mapped[uuid.UUID | None]
    """None while the org's consortium is unknown; filled when its ``org.*`` event arrives."""
    person_key: Mapped[str] = mapped_column(SUBJECT)
    activity_type: Mapped[str] = mapped_column(sa.String(40))
    fiscal_year: Mapped[int]
    occurred_at: Mapped[datetime]
    days: Mapped[int | None]
    allowance_yen: Mapped[int] = mapped_column(sa.BigInteger())


class LadderStep(Base):
    """When a person first reached a rung of the ladder at a member (the date of the fact
    that put them there; docs/reports.md, "The ladder"). Kept by the earliest date."""

    __tablename__ = "report_ladder"
    __table_args__ = (
        sa.Index("ix_report_ladder_org_year", "org_id", "fiscal_year"),
        sa.Index("ix_report_ladder_consortium_year", "consortium_id", "fiscal_year"),
        sa.Index("ix_report_ladder_person", "person_key"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_key: Mapped[str] = mapped_column(SUBJECT, primary_key=True)
    rung: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    consortium_id: Mapped[uuid.UUID | None]
    reached_at: Mapped[datetime]
    fiscal_year: Mapped[int]


class Membership(Base):
    """When a member's figures start counting in the consortium's member tables: the date
    the consortium admin set, else the date (JST) of the org's ``org.registered``."""

    __tablename__ = "report_memberships"

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    consortium_id: Mapped[uuid.UUID] = mapped_column(index=True)
    registered_at: Mapped[datetime | None]
    """``org.registered``'s time (derived from the event; the earliest heard)."""
    starts_on: Mapped[date | None]
    """Set by the consortium admin (a member joining mid-plan); None: from registration."""
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[uuid.UUID | None]
