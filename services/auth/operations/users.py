"""People of an organization: invite, list, change role, deactivate."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.db import keyset_page
from common.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from common.pagination import decode_cursor, encode_cursor
from common.principal import Principal
from services.auth import events
from services.auth.domain.access import manages_users_of, may_grant, sees_org
from services.auth.models import Organization, User
from services.auth.operations import AuthDeps
from services.auth.operations.common import audit, user_as_dict, user_by_email
from services.auth.operations.invitations import issue_invitation
from services.auth.operations.sessions import revoke_user_sessions
from services.auth.schemas import UserInvite, UserUpdate


def _org_for_user_admin(session: Session, principal: Principal, org_id: uuid.UUID) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or not sees_org(principal, org.id, org.consortium_id):
        raise NotFound("No such organization")
    if not manages_users_of(principal, org.id, org.consortium_id):
        raise Forbidden("You may not manage this organization's users")
    return org


def invite_user(
    session: Session, deps: AuthDeps, principal: Principal, org_id: uuid.UUID, body: UserInvite
) -> dict[str, Any]:
    org = _org_for_user_admin(session, principal, org_id)
    if not may_grant(principal, body.role.value, org.id, org.consortium_id):
        raise Forbidden("You may not grant this role")
    if org.status != "active":
        raise Conflict("The organization is suspended", code="org_suspended")
    if user_by_email(session, body.email) is not None:
        raise ValidationFailed(
            FieldError("email", "This email address is already registered", "duplicate")
        )
    user = User(org_id=org.id, email=body.email, name=body.name, role=body.role.value, active=True)
    session.add(user)
    session.flush()
    session.refresh(user)
    invitation = issue_invitation(session, deps, user, principal.user_id)
    audit(
        session,
        principal,
        "user.invite",
        "user",
        user.id,
        org_id=org.id,
        details={"role": user.role},
    )
    session.commit()
    return user_as_dict(user) | {"invitation": invitation}


def reissue_invitation(
    session: Session, deps: AuthDeps, principal: Principal, user_id: uuid.UUID
) -> dict[str, Any]:
    user = _managed_user(session, principal, user_id)
    if user.password_hash is not None:
        raise Conflict("This person has already joined", code="already_joined")
    if not user.active:
        raise Conflict("This account is deactivated", code="user_deactivated")
    invitation = issue_invitation(session, deps, user, principal.user_id)
    audit(session, principal, "user.reinvite", "user", user.id, org_id=user.org_id)
    session.commit()
    return {"invitation": invitation}


def list_users(
    session: Session, principal: Principal, org_id: uuid.UUID, limit: int, cursor: str | None
) -> dict[str, Any]:
    org = _org_for_user_admin(session, principal, org_id)
    rows = keyset_page(
        session,
        sa.select(User).where(User.org_id == org.id),
        [User.email, User.id],
        decode_cursor(cursor, 2),
        limit,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [user_as_dict(u) for u in rows],
        "next_cursor": encode_cursor([rows[-1].email, str(rows[-1].id)]) if more and rows else None,
    }


def _managed_user(session: Session, principal: Principal, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.org is None:
        raise NotFound("No such user")
    org = user.org
    if not sees_org(principal, org.id, org.consortium_id):
        raise NotFound("No such user")
    if not manages_users_of(principal, org.id, org.consortium_id):
        raise Forbidden("You may not manage this organization's users")
    return user


def get_user(session: Session, principal: Principal, user_id: uuid.UUID) -> dict[str, Any]:
    return user_as_dict(_managed_user(session, principal, user_id))


def update_user(
    session: Session, principal: Principal, user_id: uuid.UUID, body: UserUpdate
) -> dict[str, Any]:
    user = _managed_user(session, principal, user_id)
    org = user.org
    assert org is not None
    changed = body.model_dump(exclude_unset=True)
    for required in ("role", "active", "name"):
        if required in changed and changed[required] is None:
            raise ValidationFailed(FieldError(required, "May not be empty", "missing"))
    if user.id == principal.user_id and ("role" in changed or changed.get("active") is False):
        raise Conflict("You cannot change your own role or deactivate yourself", code="self")
    if "role" in changed:
        new_role = changed["role"].value
        # Both the role taken away and the role given must be the admin's to grant.
        if not (
            may_grant(principal, new_role, org.id, org.consortium_id)
            and may_grant(principal, user.role, org.id, org.consortium_id)
        ):
            raise Forbidden("You may not grant this role")
        user.role = new_role
    if "name" in changed:
        user.name = changed["name"]
    deactivated = False
    if "active" in changed and changed["active"] != user.active:
        user.active = changed["active"]
        if not user.active:
            revoke_user_sessions(session, [user.id], "user_deactivated")
            deactivated = True
    session.flush()
    if deactivated:
        events.user_deactivated(session, user, principal)
    audit(
        session,
        principal,
        "user.update",
        "user",
        user.id,
        org_id=org.id,
        details={"fields": sorted(changed)},
    )
    session.commit()
    return user_as_dict(user)
