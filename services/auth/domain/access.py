"""Who may administer which tenant (DESIGN §3). Answers are plain booleans; the
operations turn a refusal into 404 (not theirs to know about) or 403."""

from __future__ import annotations

import uuid

from common.permissions import Perm, Role
from common.principal import Principal


def is_platform_admin(principal: Principal) -> bool:
    return principal.can(Perm.PLATFORM_MANAGE)


def administers_consortium(principal: Principal, consortium_id: uuid.UUID) -> bool:
    if is_platform_admin(principal):
        return True
    return Role.CONSORTIUM_ADMIN in principal.roles and principal.consortium_id == consortium_id


def sees_org(principal: Principal, org_id: uuid.UUID, consortium_id: uuid.UUID) -> bool:
    """May learn that the org exists and read its administrative record."""
    if administers_consortium(principal, consortium_id):
        return True
    return principal.org_id == org_id and principal.can(Perm.ORG_USERS_MANAGE)


def manages_users_of(principal: Principal, org_id: uuid.UUID, consortium_id: uuid.UUID) -> bool:
    if administers_consortium(principal, consortium_id):
        return True
    return principal.org_id == org_id and principal.can(Perm.ORG_USERS_MANAGE)


def may_grant(principal: Principal, role: str, org_id: uuid.UUID, consortium_id: uuid.UUID) -> bool:
    """Org admins grant roles inside their org; only consortium-level admins make
    consortium admins (who see aggregates across every member)."""
    if role == Role.CONSORTIUM_ADMIN:
        return administers_consortium(principal, consortium_id)
    return manages_users_of(principal, org_id, consortium_id)


def is_org_admin_of(principal: Principal, org_id: uuid.UUID) -> bool:
    """An ``org_admin`` of this very organization (not a consortium-level admin)."""
    return principal.org_id == org_id and Role.ORG_ADMIN in principal.roles


def may_add_to_org(
    principal: Principal,
    role: str,
    org_id: uuid.UUID,
    consortium_id: uuid.UUID,
    *,
    has_active_admin: bool,
) -> bool:
    """Who may invite a person with ``role`` into an organization (or give someone there
    that role). The org's own admins: any role but consortium admin. Consortium admins of
    its consortium and the platform admin: a consortium admin at any time; any other role
    only while the organization has no active org admin — its first admin, or the people
    of an organization that has no admin yet. Otherwise a consortium admin could add a
    case worker whose mailbox she controls and read the member's cases."""
    if is_org_admin_of(principal, org_id):
        return role != Role.CONSORTIUM_ADMIN
    if administers_consortium(principal, consortium_id):
        return role == Role.CONSORTIUM_ADMIN or not has_active_admin
    return False


def hands_over_invitation(principal: Principal, org_id: uuid.UUID) -> bool:
    """Only an admin of the same organization sees the invitation's token and link in the
    answer; everyone else's invitee gets it by e-mail alone."""
    return is_org_admin_of(principal, org_id)
