"""Staying signed in: resolving session cookies into principals, signing out, and ending
every credential of a person at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import Unauthenticated
from common.principal import Principal
from services.auth.domain import secrets as sec
from services.auth.models import LoginSession, User
from services.auth.operations import AuthDeps
from services.auth.operations.common import audit, mfa_required_for, principal_for
from services.auth.operations.revocations import end_session

TOUCH_EVERY = timedelta(seconds=30)
"""Sessions record activity at most this often: the idle clock needs no finer grain."""


@dataclass(frozen=True)
class Resolved:
    principal: Principal
    principal_token: str
    expires_in: float
    csrf_token: str | None
    mfa_enrollment_required: bool
    user: User


def resolved(
    deps: AuthDeps, user: User, login_session: LoginSession | None, token_id: str | None = None
) -> Resolved:
    principal = principal_for(
        user, session_id=str(login_session.id) if login_session else None, token_id=token_id
    )
    return Resolved(
        principal=principal,
        principal_token=deps.signer.sign(principal),
        expires_in=deps.signer.ttl_seconds,
        csrf_token=login_session.csrf_token if login_session else None,
        mfa_enrollment_required=mfa_required_for(user) and not user.totp_enabled,
        user=user,
    )


def revoke_by_secret(session: Session, secret: str, reason: str) -> LoginSession | None:
    row = session.scalar(
        sa.select(LoginSession).where(LoginSession.token_hash == sec.digest(secret))
    )
    if row is not None:
        end_session(session, row, reason, principal_for(row.user))
    return row


def resolve_session(session: Session, deps: AuthDeps, secret: str) -> Resolved:
    """The principal behind a session cookie, while the session is live."""
    row = session.scalar(
        sa.select(LoginSession).where(LoginSession.token_hash == sec.digest(secret))
    )
    if row is None:
        raise Unauthenticated("Not signed in", code="no_session")
    now = utcnow()
    user = row.user
    reason = deps.policy.end_reason(
        now=now,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
        revoked=row.revoked_at is not None,
        user_active=user.active,
        org_active=user.org is None or user.org.status == "active",
    )
    if reason is not None:
        if row.revoked_at is None:  # timed out, or its user or org ended: announce it
            end_session(session, row, reason)
            session.commit()
        raise Unauthenticated("The session has ended", code=reason)
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.commit()
    return resolved(deps, user, row)


def logout(session: Session, secret: str) -> None:
    row = revoke_by_secret(session, secret, "signed_out")
    if row is not None:
        audit(
            session,
            principal_for(row.user),
            "session.logout",
            "session",
            row.id,
            org_id=row.user.org_id,
        )
    session.commit()


def live_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise Unauthenticated()
    return user
