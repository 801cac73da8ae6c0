"""Personal access tokens for API clients: create (shown once), list, revoke, resolve."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import FieldError, NotFound, Unauthenticated, ValidationFailed
from common.principal import Principal
from services.auth.domain import secrets as sec
from services.auth.models import AccessToken
from services.auth.operations import AuthDeps
from services.auth.operations.common import audit
from services.auth.operations.revocations import end_token
from services.auth.operations.sessions import TOUCH_EVERY, Resolved, resolved
from services.auth.schemas import TokenCreate


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
    return resolved(deps, user, None, token_id=f"pat:{row.id}")


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
        end_token(session, row, "revoked_by_owner", principal)
        audit(session, principal, "token.revoke", "access_token", row.id)
    session.commit()
