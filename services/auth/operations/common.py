"""Lookups and shapes the auth operations share."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.audit import auditor
from common.permissions import REFERRAL_RECEIVER, Role
from common.principal import Principal
from services.auth.models import AuditEntry, Consortium, Organization, User

audit = auditor(AuditEntry)
"""Writes an entry to this service's audit log in the caller's transaction."""


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def principal_for(
    user: User, session_id: str | None = None, token_id: str | None = None
) -> Principal:
    org = user.org
    kwargs: dict[str, Any] = {}
    if token_id:
        kwargs["token_id"] = token_id
    return Principal(
        user_id=user.id,
        name=user.name,
        org_id=user.org_id,
        consortium_id=org.consortium_id if org else None,
        org_kind=org.kind if org else None,
        roles=roles_of(user),
        session_id=session_id,
        **kwargs,
    )


def roles_of(user: User) -> frozenset[str]:
    """The user's role, and the referral-receiver grant of a named volunteer."""
    if user.receives_referrals and user.role == Role.VOLUNTEER:
        return frozenset({user.role, REFERRAL_RECEIVER})
    return frozenset({user.role})


def user_status(user: User) -> str:
    if not user.active:
        return "deactivated"
    return "active" if user.password_hash else "invited"


PLATFORM_ADMIN_LABEL = "プラットフォーム管理者 (platform admin)"


def added_by_map(session: Session, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Who added people: {user id: {id, name, role, org_id, org_name}}, in one query."""
    if not user_ids:
        return {}
    rows = session.execute(
        sa.select(User.id, User.name, User.role, User.org_id, Organization.name)
        .outerjoin(Organization, Organization.id == User.org_id)
        .where(User.id.in_(set(user_ids)))
    ).all()
    return {
        row[0]: {
            "id": str(row[0]),
            "name": row[1],
            "role": row[2],
            "org_id": str(row[3]) if row[3] else None,
            "org_name": row[4],
        }
        for row in rows
    }


def added_by(session: Session, user: User) -> dict[str, Any] | None:
    if user.invited_by is None:
        return None
    return added_by_map(session, [user.invited_by]).get(user.invited_by)


def actor_label(session: Session, user_id: uuid.UUID) -> str:
    """A person as an e-mail names them: 'name（organization）'."""
    who = added_by_map(session, [user_id]).get(user_id)
    if who is None:
        return PLATFORM_ADMIN_LABEL
    if who["org_name"] is None:
        return PLATFORM_ADMIN_LABEL
    return f"{who['name']}（{who['org_name']}）"


def user_as_dict(user: User, added_by: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "org_id": str(user.org_id) if user.org_id else None,
        "role": user.role,
        "roles": sorted(roles_of(user)),
        "receives_referrals": bool(user.receives_referrals and user.role == Role.VOLUNTEER),
        "active": user.active,
        "status": user_status(user),
        "mfa_enabled": user.totp_enabled,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        "added_by": added_by,
    }


def org_as_dict(org: Organization) -> dict[str, Any]:
    return {
        "id": str(org.id),
        "consortium_id": str(org.consortium_id),
        "name": org.name,
        "kind": org.kind,
        "sector": org.sector,
        "address": org.address,
        "representative": org.representative,
        "status": org.status,
        "status_reason": org.status_reason,
        "mfa_required": org.mfa_required,
        "created_at": org.created_at.isoformat(),
        "updated_at": org.updated_at.isoformat(),
    }


def consortium_as_dict(consortium: Consortium) -> dict[str, Any]:
    return {
        "id": str(consortium.id),
        "name": consortium.name,
        "prefecture": consortium.prefecture,
        "mfa_required": consortium.mfa_required,
        "created_at": consortium.created_at.isoformat(),
    }


def mfa_required_for(user: User) -> bool:
    org = user.org
    if org is None:
        return False
    return bool(org.mfa_required or org.consortium.mfa_required)
