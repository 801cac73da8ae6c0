"""The TOTP second factor: enrol, confirm (with recovery codes), turn off, and check a code."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import segno
import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import Conflict, FieldError, ValidationFailed
from common.principal import Principal
from services.auth.domain import secrets as sec
from services.auth.models import RecoveryCode, User
from services.auth.operations import AuthDeps
from services.auth.operations.common import audit, mfa_required_for
from services.auth.operations.sessions import live_user

TOTP_ISSUER = "Tsunagu"
RECOVERY_CODES = 10


def totp_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The step ``code`` belongs to (±1 step for clock drift), unless already used."""
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if last_step is not None and step <= last_step:
            continue
        if sec.same(totp.generate_otp(step), code.strip()):
            return step
    return None


def second_factor_ok(session: Session, deps: AuthDeps, user: User, code: str) -> bool:
    """A fresh TOTP code, or an unused recovery code (which is then used up)."""
    assert user.totp_secret
    step = totp_step(deps.secrets.open(user.totp_secret), code, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return True
    return _use_recovery_code(session, user, code)


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


def start_totp(session: Session, deps: AuthDeps, principal: Principal) -> dict[str, Any]:
    user = live_user(session, principal.user_id)
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
    user = live_user(session, principal.user_id)
    if user.totp_enabled:
        raise Conflict("Two-step sign-in is already on", code="mfa_enabled")
    if not user.totp_secret:
        raise Conflict("Start the enrolment first", code="mfa_not_started")
    step = totp_step(deps.secrets.open(user.totp_secret), code, None)
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
    user = live_user(session, principal.user_id)
    if not user.totp_enabled or not user.totp_secret:
        raise Conflict("Two-step sign-in is not on", code="mfa_not_enabled")
    if mfa_required_for(user):
        raise Conflict("Your organization requires two-step sign-in", code="mfa_mandatory")
    if totp_step(deps.secrets.open(user.totp_secret), code, user.totp_last_step) is None:
        raise ValidationFailed(FieldError("code", "The code is not correct", "otp_invalid"))
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit(session, principal, "user.mfa_disable", "user", user.id)
    session.commit()
