"""Signing in: credentials (and the second factor) become a new session."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import TooManyRequests, Unauthenticated
from services.auth.domain import secrets as sec
from services.auth.models import LoginSession, User
from services.auth.operations import AuthDeps
from services.auth.operations.common import audit, principal_for, user_by_email
from services.auth.operations.mfa import second_factor_ok
from services.auth.operations.sessions import Resolved, resolved, revoke_by_secret
from services.auth.operations.throttle import (
    forget_failures,
    known_address,
    record_failure,
    retry_after,
)
from services.auth.schemas import LoginBody


def _denied(session: Session, action: str, user: User | None, details: dict[str, Any]) -> None:
    """Audit a refused sign-in (in the user's org's log when the address is known) and
    commit it: the refusal that follows must not roll it back."""
    audit(
        session,
        None,
        action,
        "user",
        user.id if user else None,
        org_id=user.org_id if user else None,
        actor_id=user.id if user else None,
        outcome="denied",
        details=details,
    )
    session.commit()


def _fail(session: Session, key: str, body: LoginBody, user: User | None, why: str) -> None:
    record_failure(session, key, body.client_ip)
    _denied(session, "session.login_failed", user, {"why": why})


def login(
    session: Session, deps: AuthDeps, body: LoginBody, previous_session_token: str | None = None
) -> tuple[str, Resolved]:
    """A new session (and its cookie secret) for the right credentials.

    An unknown email and a wrong password get the same answer, after the same work."""
    key = sec.email_key(body.email)
    user = user_by_email(session, body.email)
    wait = retry_after(
        session,
        email_key=key,
        client_ip=body.client_ip,
        known=known_address(session, user, body.client_ip),
        limit=deps.settings.login_failure_limit,
        window_minutes=deps.settings.login_failure_window_minutes,
    )
    if wait:
        _denied(session, "session.login_throttled", user, {"retry_after": wait})
        raise TooManyRequests("Too many failed sign-ins. Try again later.", retry_after=wait)
    password_ok = deps.hashing.verify(user.password_hash if user else None, body.password)
    if user is None or not password_ok:
        _fail(session, key, body, user, "bad_credentials")
        raise Unauthenticated("The email or password is not correct", code="bad_credentials")
    if not user.active:
        _fail(session, key, body, user, "user_deactivated")
        raise Unauthenticated("This account has been deactivated", code="user_deactivated")
    if user.org is not None and user.org.status != "active":
        _fail(session, key, body, user, "org_suspended")
        raise Unauthenticated("This organization is suspended", code="org_suspended")
    if user.totp_enabled:
        if not body.otp:
            raise Unauthenticated("Enter the code from your authenticator app", code="otp_required")
        if not second_factor_ok(session, deps, user, body.otp):
            _fail(session, key, body, user, "otp_invalid")
            raise Unauthenticated("The code is not correct", code="otp_invalid")

    now = utcnow()
    if previous_session_token:  # rotate: the pre-login session id never carries over
        revoke_by_secret(session, previous_session_token, "rotated")
    secret = sec.new_secret()
    login_session = LoginSession(
        token_hash=sec.digest(secret),
        user_id=user.id,
        csrf_token=sec.new_secret(),
        created_at=now,
        last_seen_at=now,
        expires_at=deps.policy.expires_at(now),
        client_ip=body.client_ip,
        user_agent=(body.user_agent or "")[:200] or None,
    )
    session.add(login_session)
    forget_failures(session, key, body.client_ip)
    user.last_login_at = now
    if user.password_hash and deps.hashing.needs_rehash(user.password_hash):
        user.password_hash = deps.hashing.hash(body.password)
    session.flush()
    audit(
        session,
        principal_for(user),
        "session.login",
        "session",
        login_session.id,
        org_id=user.org_id,
    )
    session.commit()
    return secret, resolved(deps, user, login_session)
