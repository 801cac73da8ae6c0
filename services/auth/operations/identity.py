"""Signing in and staying signed in: sessions, access tokens, invitations, TOTP."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import pyotp
import segno
import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import (
    Conflict,
    FieldError,
    NotFound,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
)
from common.principal import Principal
from services.auth.domain import secrets as sec
from services.auth.domain.passwords import password_problems
from services.auth.models import (
    AccessToken,
    Invitation,
    LoginFailure,
    LoginSession,
    RecoveryCode,
    User,
)
from services.auth.operations import AuthDeps
from services.auth.operations.common import (
    audit,
    consortium_as_dict,
    mfa_required_for,
    org_as_dict,
    principal_for,
    user_as_dict,
    user_by_email,
)
from services.auth.schemas import InvitationAccept, LoginBody, PasswordChange, TokenCreate

TOUCH_EVERY = timedelta(seconds=30)
"""Sessions record activity at most this often: the idle clock needs no finer grain."""
TOTP_ISSUER = "Tsunagu"
RECOVERY_CODES = 10


@dataclass(frozen=True)
class Resolved:
    principal: Principal
    principal_token: str
    expires_in: float
    csrf_token: str | None
    mfa_enrollment_required: bool
    user: User


# --- sign-in ---------------------------------------------------------------------------


def _throttled(session: Session, deps: AuthDeps, key: str, client_ip: str | None) -> bool:
    since = utcnow() - timedelta(minutes=deps.settings.login_failure_window_minutes)
    limit = deps.settings.login_failure_limit
    by_email = session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.email_key == key, LoginFailure.occurred_at >= since)
    )
    if (by_email or 0) >= limit:
        return True
    if client_ip:
        by_ip = session.scalar(
            sa.select(sa.func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.client_ip == client_ip, LoginFailure.occurred_at >= since)
        )
        return (by_ip or 0) >= limit * 4
    return False


def _fail(session: Session, key: str, body: LoginBody, user: User | None, why: str) -> None:
    session.add(LoginFailure(email_key=key, client_ip=body.client_ip))
    audit(
        session,
        None,
        "session.login_failed",
        "user",
        user.id if user else None,
        org_id=user.org_id if user else None,
        actor_id=user.id if user else None,
        outcome="denied",
        details={"why": why},
    )
    session.commit()


def _totp_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The step ``code`` belongs to (±1 step for clock drift), unless already used."""
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if last_step is not None and step <= last_step:
            continue
        if sec.same(totp.generate_otp(step), code.strip()):
            return step
    return None


def _use_recovery_code(session: Session, user: User, code: str) -> bool:
    row = session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == sec.digest(code.strip().lower()),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def login(
    session: Session, deps: AuthDeps, body: LoginBody, previous_session_token: str | None = None
) -> tuple[str, Resolved]:
    """A new session (and its cookie secret) for the right credentials.

    An unknown email and a wrong password get the same answer, after the same work."""
    key = sec.email_key(body.email)
    if _throttled(session, deps, key, body.client_ip):
        audit(session, None, "session.login_throttled", "user", None, outcome="denied")
        session.commit()
        raise TooManyRequests(
            "Too many failed sign-ins. Try again later.",
            retry_after=deps.settings.login_failure_window_minutes * 60,
        )
    user = user_by_email(session, body.email)
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
        assert user.totp_secret
        step = _totp_step(deps.secrets.open(user.totp_secret), body.otp, user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
        elif not _use_recovery_code(session, user, body.otp):
            _fail(session, key, body, user, "otp_invalid")
            raise Unauthenticated("The code is not correct", code="otp_invalid")

    now = utcnow()
    if previous_session_token:  # rotate: the pre-login session id never carries over
        _revoke_by_token(session, previous_session_token, "rotated")
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
    return secret, _resolved(deps, user, login_session)


def _resolved(
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


def _revoke_by_token(session: Session, secret: str, reason: str) -> LoginSession | None:
    row = session.scalar(
        sa.select(LoginSession).where(LoginSession.token_hash == sec.digest(secret))
    )
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoke_reason = reason
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
        if row.revoked_at is None:
            row.revoked_at = now
            row.revoke_reason = reason
            session.commit()
        raise Unauthenticated("The session has ended", code=reason)
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.commit()
    return _resolved(deps, user, row)


def logout(session: Session, secret: str) -> None:
    row = _revoke_by_token(session, secret, "signed_out")
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


def revoke_user_sessions(session: Session, user_ids: list[uuid.UUID], reason: str) -> int:
    """End every live session and access token of these users (in the caller's transaction)."""
    now = utcnow()
    result = session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id.in_(user_ids), LoginSession.revoked_at.is_(None))
        .values(revoked_at=now, revoke_reason=reason)
    )
    ended = cast(CursorResult[Any], result).rowcount
    session.execute(
        sa.update(AccessToken)
        .where(AccessToken.user_id.in_(user_ids), AccessToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return ended


# --- personal access tokens ------------------------------------------------------------


def resolve_access_token(session: Session, deps: AuthDeps, token: str) -> Resolved:
    row = session.scalar(sa.select(AccessToken).where(AccessToken.token_hash == sec.digest(token)))
    now = utcnow()
    user = row.user if row else None
    if (
        row is None
        or user is None
        or row.revoked_at is not None
        or (row.expires_at is not None and row.expires_at <= now)
        or not user.active
        or (user.org is not None and user.org.status != "active")
    ):
        raise Unauthenticated("The access token is not valid", code="bad_token")
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
        session.commit()
    return _resolved(deps, user, None, token_id=f"pat:{row.id}")


def _token_as_dict(row: AccessToken) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "prefix": row.prefix,
        "created_at": row.created_at.isoformat(),
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
        "revoked": row.revoked_at is not None,
    }


def create_access_token(
    session: Session, principal: Principal, body: TokenCreate
) -> dict[str, Any]:
    if body.expires_at is not None and body.expires_at <= utcnow():
        raise ValidationFailed(FieldError("expires_at", "Must be in the future", "in_past"))
    token = sec.new_access_token()
    row = AccessToken(
        user_id=principal.user_id,
        name=body.name,
        token_hash=sec.digest(token),
        prefix=token[:10],
        expires_at=body.expires_at,
    )
    session.add(row)
    session.flush()
    audit(session, principal, "token.create", "access_token", row.id)
    session.commit()
    return _token_as_dict(row) | {"token": token}


def list_access_tokens(session: Session, principal: Principal) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(AccessToken)
        .where(AccessToken.user_id == principal.user_id)
        .order_by(AccessToken.created_at.desc())
    )
    return [_token_as_dict(r) for r in rows]


def revoke_access_token(session: Session, principal: Principal, token_id: uuid.UUID) -> None:
    row = session.get(AccessToken, token_id)
    if row is None or row.user_id != principal.user_id:
        raise NotFound("No such token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit(session, principal, "token.revoke", "access_token", row.id)
    session.commit()


# --- who am I --------------------------------------------------------------------------


def me(session: Session, principal: Principal) -> dict[str, Any]:
    user = session.get(User, principal.user_id)
    if user is None:
        raise Unauthenticated()
    csrf_token = None
    if principal.session_id:
        row = session.get(LoginSession, uuid.UUID(principal.session_id))
        csrf_token = row.csrf_token if row else None
    org = user.org
    return user_as_dict(user) | {
        "org": (
            org_as_dict(org) | {"consortium": consortium_as_dict(org.consortium)} if org else None
        ),
        "permissions": sorted(principal.permissions),
        "mfa_required": mfa_required_for(user),
        "csrf_token": csrf_token,
    }


def change_password(
    session: Session, deps: AuthDeps, principal: Principal, body: PasswordChange
) -> None:
    user = session.get(User, principal.user_id)
    if user is None:
        raise Unauthenticated()
    if not deps.hashing.verify(user.password_hash, body.current_password):
        raise ValidationFailed(
            FieldError("current_password", "The password is not correct", "bad_credentials")
        )
    problems = password_problems(body.new_password, context=(user.email, user.name))
    if problems:
        raise ValidationFailed([FieldError("new_password", p.message, p.code) for p in problems])
    user.password_hash = deps.hashing.hash(body.new_password)
    # Other sessions end: whoever knew the old password is signed out everywhere else.
    others = sa.update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)
    )
    if principal.session_id:
        others = others.where(LoginSession.id != uuid.UUID(principal.session_id))
    session.execute(others.values(revoked_at=utcnow(), revoke_reason="password_changed"))
    audit(session, principal, "user.password_change", "user", user.id)
    session.commit()


# --- invitations -----------------------------------------------------------------------


def _live_invitation(session: Session, token: str) -> Invitation:
    row = session.scalar(sa.select(Invitation).where(Invitation.token_hash == sec.digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise NotFound("This invitation is unknown, used or expired")
    return row


def invitation_details(session: Session, token: str) -> dict[str, Any]:
    row = _live_invitation(session, token)
    user = session.get(User, row.user_id)
    assert user is not None
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "org_name": user.org.name if user.org else None,
        "expires_at": row.expires_at.isoformat(),
    }


def accept_invitation(
    session: Session, deps: AuthDeps, token: str, body: InvitationAccept
) -> dict[str, Any]:
    row = _live_invitation(session, token)
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotFound("This invitation is unknown, used or expired")
    name = body.name or user.name
    problems = password_problems(body.password, context=(user.email, name))
    if problems:
        raise ValidationFailed(problems)
    user.password_hash = deps.hashing.hash(body.password)
    user.name = name
    row.used_at = utcnow()
    audit(session, principal_for(user), "invitation.accept", "user", user.id, org_id=user.org_id)
    session.commit()
    return {"user": user_as_dict(user)}


def issue_invitation(
    session: Session, deps: AuthDeps, user: User, created_by: uuid.UUID | None
) -> dict[str, Any]:
    """A fresh single-use invitation (earlier unused ones stop working)."""
    now = utcnow()
    session.execute(
        sa.update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(expires_at=now)
    )
    token = sec.new_secret()
    expires_at = now + timedelta(days=deps.settings.invitation_days)
    session.add(
        Invitation(
            user_id=user.id,
            token_hash=sec.digest(token),
            created_by=created_by,
            expires_at=expires_at,
        )
    )
    return {
        "token": token,
        "url": f"{deps.settings.public_url}/invitations/{token}",
        "expires_at": expires_at.isoformat(),
    }


# --- TOTP second factor ----------------------------------------------------------------


def start_totp(session: Session, deps: AuthDeps, principal: Principal) -> dict[str, Any]:
    user = session.get(User, principal.user_id)
    if user is None:
        raise Unauthenticated()
    if user.totp_enabled:
        raise Conflict("Two-step sign-in is already on", code="mfa_enabled")
    seed = pyotp.random_base32()
    user.totp_secret = deps.secrets.seal(seed)
    session.commit()
    uri = pyotp.TOTP(seed).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)
    return {
        "secret": seed,
        "otpauth_uri": uri,
        "qr_svg": segno.make(uri, error="m").svg_inline(scale=4, dark="#1a1a1a"),
    }


def confirm_totp(
    session: Session, deps: AuthDeps, principal: Principal, code: str
) -> dict[str, Any]:
    user = session.get(User, principal.user_id)
    if user is None:
        raise Unauthenticated()
    if user.totp_enabled:
        raise Conflict("Two-step sign-in is already on", code="mfa_enabled")
    if not user.totp_secret:
        raise Conflict("Start the enrolment first", code="mfa_not_started")
    step = _totp_step(deps.secrets.open(user.totp_secret), code, None)
    if step is None:
        raise ValidationFailed(FieldError("code", "The code is not correct", "otp_invalid"))
    user.totp_enabled = True
    user.totp_last_step = step
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [sec.new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=sec.digest(c)) for c in codes)
    audit(session, principal, "user.mfa_enable", "user", user.id)
    session.commit()
    return {"recovery_codes": codes}


def disable_totp(session: Session, deps: AuthDeps, principal: Principal, code: str) -> None:
    user = session.get(User, principal.user_id)
    if user is None:
        raise Unauthenticated()
    if not user.totp_enabled or not user.totp_secret:
        raise Conflict("Two-step sign-in is not on", code="mfa_not_enabled")
    if mfa_required_for(user):
        raise Conflict("Your organization requires two-step sign-in", code="mfa_mandatory")
    if _totp_step(deps.secrets.open(user.totp_secret), code, user.totp_last_step) is None:
        raise ValidationFailed(FieldError("code", "The code is not correct", "otp_invalid"))
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit(session, principal, "user.mfa_disable", "user", user.id)
    session.commit()
