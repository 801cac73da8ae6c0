"""The signed-in person's own account: who am I, and changing my password."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from common.errors import FieldError, ValidationFailed
from common.principal import Principal
from common.revocation import PAT_PREFIX
from services.auth.domain.passwords import password_problems
from services.auth.models import LoginSession
from services.auth.operations import AuthDeps
from services.auth.operations.common import (
    audit,
    consortium_as_dict,
    mfa_required_for,
    org_as_dict,
    user_as_dict,
)
from services.auth.operations.revocations import end_credentials_of
from services.auth.operations.sessions import live_user
from services.auth.schemas import PasswordChange


def me(session: Session, principal: Principal) -> dict[str, Any]:
    user = live_user(session, principal.user_id)
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


def _calling_token(principal: Principal) -> uuid.UUID | None:
    if principal.token_id.startswith(PAT_PREFIX):
        return uuid.UUID(principal.token_id.removeprefix(PAT_PREFIX))
    return None


def change_password(
    session: Session, deps: AuthDeps, principal: Principal, body: PasswordChange
) -> None:
    user = live_user(session, principal.user_id)
    if not deps.hashing.verify(user.password_hash, body.current_password):
        raise ValidationFailed(
            FieldError("current_password", "The password is not correct", "bad_credentials")
        )
    problems = password_problems(
        body.new_password, context=(user.email, user.name), demo=deps.settings.demo
    )
    if problems:
        raise ValidationFailed([FieldError("new_password", p.message, p.code) for p in problems])
    user.password_hash = deps.hashing.hash(body.new_password)
    # Whoever knew the old password is signed out everywhere else: every other session
    # and every access token end (the credential making this call stays).
    end_credentials_of(
        session,
        [user.id],
        "password_changed",
        principal,
        keep_session=uuid.UUID(principal.session_id) if principal.session_id else None,
        keep_token=_calling_token(principal),
    )
    audit(session, principal, "user.password_change", "user", user.id)
    session.commit()
