"""People of an organization: invite, list, change role, deactivate."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from common.mail import queue_mail
from common.pagination import keyset_list
from common.permissions import Perm, Role
from common.principal import Principal
from services.auth import events
from services.auth.domain.access import (
    hands_over_invitation,
    is_org_admin_of,
    manages_users_of,
    may_add_to_org,
    may_grant,
    sees_org,
)
from services.auth.mails import user_added_notice
from services.auth.models import MailOutbox, Organization, User
from services.auth.operations import AuthDeps, revocations
from services.auth.operations.common import (
    actor_label,
    added_by,
    added_by_map,
    audit,
    user_as_dict,
    user_by_email,
)
from services.auth.operations.invitations import as_answer, issue_invitation
from services.auth.schemas import UserInvite, UserUpdate


def _org_for_user_admin(session: Session, principal: Principal, org_id: uuid.UUID) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or not sees_org(principal, org.id, org.consortium_id):
        raise NotFound("No such organization")
    if not manages_users_of(principal, org.id, org.consortium_id):
        raise Forbidden("You may not manage this organization's users")
    return org


def has_active_admin(session: Session, org_id: uuid.UUID) -> bool:
    """An org admin who has joined (set a password) and is not deactivated."""
    return (
        session.scalar(
            sa.select(User.id)
            .where(
                User.org_id == org_id,
                User.role == Role.ORG_ADMIN.value,
                User.active.is_(True),
                User.password_hash.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


def _check_may_add(session: Session, principal: Principal, role: str, org: Organization) -> None:
    allowed = may_add_to_org(
        principal,
        role,
        org.id,
        org.consortium_id,
        has_active_admin=has_active_admin(session, org.id),
    )
    if not allowed:
        raise Forbidden(
            "Only the organization's own admins add its people once it has an active admin",
            code="not_your_org",
        )


def invite_user(
    session: Session, deps: AuthDeps, principal: Principal, org_id: uuid.UUID, body: UserInvite
) -> dict[str, Any]:
    org = _org_for_user_admin(session, principal, org_id)
    _check_may_add(session, principal, body.role.value, org)
    if org.status != "active":
        raise Conflict("The organization is suspended", code="org_suspended")
    if user_by_email(session, body.email) is not None:
        raise ValidationFailed(
            FieldError("email", "This email address is already registered", "duplicate")
        )
    user = User(
        org_id=org.id,
        email=body.email,
        name=body.name,
        role=body.role.value,
        active=True,
        invited_by=principal.user_id,
    )
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
    if not is_org_admin_of(principal, org.id):
        notify_org_admins(session, deps, principal, org, user)
    session.commit()
    hand_over = hands_over_invitation(principal, org.id)
    return user_as_dict(user, added_by(session, user)) | {
        "invitation": as_answer(invitation, hand_over=hand_over)
    }


def notify_org_admins(
    session: Session, deps: AuthDeps, principal: Principal, org: Organization, user: User
) -> None:
    """Someone from outside the organization added a person to it: its admins hear of it
    by e-mail (the admins' own list shows it too)."""
    admins = session.scalars(
        sa.select(User).where(
            User.org_id == org.id,
            User.role == Role.ORG_ADMIN.value,
            User.active.is_(True),
            User.password_hash.is_not(None),
            User.id != user.id,
        )
    ).all()
    actor = actor_label(session, principal.user_id)
    for admin in admins:
        notice = user_added_notice(
            to=admin.email,
            org=org.name,
            actor=actor,
            name=user.name,
            email=user.email,
            role=user.role,
            url=f"{deps.settings.public_url}/admin/organizations/{org.id}",
        )
        queue_mail(session, MailOutbox, deps.secrets, notice, kind="user_added")


def reissue_invitation(
    session: Session, deps: AuthDeps, principal: Principal, user_id: uuid.UUID
) -> dict[str, Any]:
    user = _managed_user(session, principal, user_id)
    org = user.org
    assert org is not None
    _check_may_add(session, principal, user.role, org)
    if user.password_hash is not None:
        raise Conflict("This person has already joined", code="already_joined")
    if not user.active:
        raise Conflict("This account is deactivated", code="user_deactivated")
    invitation = issue_invitation(session, deps, user, principal.user_id)
    audit(session, principal, "user.reinvite", "user", user.id, org_id=user.org_id)
    session.commit()
    return {"invitation": as_answer(invitation, hand_over=hands_over_invitation(principal, org.id))}


def list_users(
    session: Session, principal: Principal, org_id: uuid.UUID, limit: int, cursor: str | None
) -> dict[str, Any]:
    org = _org_for_user_admin(session, principal, org_id)
    page = keyset_list(
        session, sa.select(User).where(User.org_id == org.id), [User.email, User.id], cursor, limit
    )
    by = added_by_map(session, [u.invited_by for u in page.items if u.invited_by])
    return page.as_dict(lambda u: user_as_dict(u, by.get(u.invited_by)))


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
    user = _managed_user(session, principal, user_id)
    return user_as_dict(user, added_by(session, user))


def _name_receiver(principal: Principal, user: User, receives: bool) -> None:
    """Only an admin of the volunteer's own org names who answers its referrals."""
    if principal.org_id != user.org_id or not principal.can(Perm.ORG_USERS_MANAGE):
        raise Forbidden("Only an admin of this organization names who receives referrals")
    if receives and user.role != Role.VOLUNTEER:
        raise ValidationFailed(
            FieldError(
                "receives_referrals",
                "Only volunteers are named: staff and admins answer referrals anyway",
                "not_volunteer",
            )
        )
    user.receives_referrals = receives


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
        if not may_grant(principal, user.role, org.id, org.consortium_id):
            raise Forbidden("You may not grant this role")
        # Giving a role is adding a person in that role: the same rule as inviting.
        _check_may_add(session, principal, new_role, org)
        user.role = new_role
    if "name" in changed:
        user.name = changed["name"]
    if user.role != Role.VOLUNTEER:
        user.receives_referrals = False  # a grant of volunteers only; staff answer anyway
    if changed.get("receives_referrals") is not None:
        _name_receiver(principal, user, changed["receives_referrals"])
    if "active" in changed and changed["active"] != user.active:
        user.active = changed["active"]
        session.flush()
        if user.active:
            events.user_reactivated(session, user, principal)
        else:
            revocations.user_deactivated(session, user, principal)
    session.flush()
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
    return user_as_dict(user, added_by(session, user))
