"""Tables of the auth service: tenants (consortia, organizations), people who sign in,
and their credentials. Secrets are stored only as hashes."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.audit import AuditMixin
from common.clock import utcnow
from common.db import TYPE_ANNOTATION_MAP, new_metadata
from common.idempotency import IdempotentRequestMixin
from common.mail import MailOutboxMixin
from common.messaging.outbox import OutboxMixin


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class Consortium(Base):
    """コンソーシアム: a prefecture's consortium of member organizations."""

    __tablename__ = "consortia"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    prefecture: Mapped[str] = mapped_column(sa.String(20))
    mfa_required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Organization(Base):
    """A member organization: the tenant. Its data is kept when it is suspended."""

    __tablename__ = "organizations"
    __table_args__ = (sa.UniqueConstraint("consortium_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    consortium_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("consortia.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(40))
    sector: Mapped[str] = mapped_column(sa.String(20))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    representative: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    status_reason: Mapped[str | None] = mapped_column(sa.String(500))
    mfa_required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    consortium: Mapped[Consortium] = relationship(lazy="joined")


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    """None only for platform admins, who belong to no tenant."""
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    """Stored lower-cased; sign-in is case-insensitive."""
    name: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[str] = mapped_column(sa.String(32))
    receives_referrals: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """A volunteer named by the org admin to answer referrals (family associations)."""
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    """None until the invitation is accepted."""
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    """The TOTP seed, sealed with the data key (common.datakey)."""
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger())
    """The last accepted 30-second step, so a code cannot be replayed."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    invited_by: Mapped[uuid.UUID | None]
    """Who added this person (None for the platform admin made at first start)."""

    org: Mapped[Organization | None] = relationship(lazy="joined")


class Invitation(Base):
    """Single use; expires after ``invitation_days``. Only the token's hash is stored."""

    __tablename__ = "invitations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginSession(Base):
    """A browser session. The cookie holds 256 random bits; only their hash is here."""

    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    """The absolute limit; the idle limit is counted from ``last_seen_at``."""
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(40))
    client_ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))

    user: Mapped[User] = relationship(lazy="joined")


class AccessToken(Base):
    """A personal access token for API clients; shown once, stored hashed."""

    __tablename__ = "access_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    """The first characters, so a person can tell their tokens apart."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class RecoveryCode(Base):
    """One-time codes that stand in for a lost authenticator."""

    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None]


class LoginFailure(Base):
    """Recent failed sign-ins, counted to throttle guessing (HTTP 429)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    email_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    """SHA-256 of the lower-cased email, so unknown addresses are not kept in clear."""
    client_ip: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AuditEntry(AuditMixin, Base):
    pass


class OutboxEvent(OutboxMixin, Base):
    pass


class Revocation(Base):
    """Credentials ended, newest last: the list the gateway checks its cache against
    (``GET /internal/revocations``). Kept a day, far longer than any cache or token."""

    __tablename__ = "revocations"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    """``session``, ``token``, ``user`` or ``org``."""
    subject_id: Mapped[uuid.UUID]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class MailOutbox(MailOutboxMixin, Base):
    pass


class IdempotentRequest(IdempotentRequestMixin, Base):
    """Keyed POSTs done in the last 24 hours, and their answers (common.idempotency)."""
