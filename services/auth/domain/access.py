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
