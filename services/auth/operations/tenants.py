"""Consortia and their member organizations: register, edit, suspend, reinstate."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from common.pagination import keyset_list
from common.permissions import Perm
from common.principal import Principal
from services.auth import events
from services.auth.domain.access import administers_consortium, is_platform_admin, sees_org
from services.auth.models import Consortium, Organization
from services.auth.operations import revocations
from services.auth.operations.common import (
    audit,
    consortium_as_dict,
    org_as_dict,
)
from services.auth.schemas import ConsortiumCreate, ConsortiumUpdate, OrgCreate, OrgUpdate

# --- consortia -------------------------------------------------------------------------


def create_consortium(
    session: Session, principal: Principal, body: ConsortiumCreate
) -> dict[str, Any]:
    if not is_platform_admin(principal):
        raise Forbidden("Only the platform admin creates consortia")
    if session.scalar(sa.select(Consortium.id).where(Consortium.name == body.name)):
        raise ValidationFailed(
            FieldError("name", "A consortium with this name exists", "duplicate")
        )
    consortium = Consortium(
        name=body.name, prefecture=body.prefecture, mfa_required=body.mfa_required
    )
    session.add(consortium)
    session.flush()
    audit(session, principal, "consortium.create", "consortium", consortium.id)
    session.commit()
    return consortium_as_dict(consortium)


def list_consortia(
    session: Session, principal: Principal, limit: int, cursor: str | None
) -> dict[str, Any]:
    stmt = sa.select(Consortium)
    if not is_platform_admin(principal):
        if not principal.can(Perm.CONSORTIUM_ORGS_MANAGE) or principal.consortium_id is None:
            raise Forbidden("Only admins list consortia")
        stmt = stmt.where(Consortium.id == principal.consortium_id)
    page = keyset_list(session, stmt, [Consortium.name, Consortium.id], cursor, limit)
    return page.as_dict(consortium_as_dict)


def _visible_consortium(
    session: Session, principal: Principal, consortium_id: uuid.UUID
) -> Consortium:
    consortium = session.get(Consortium, consortium_id)
    if consortium is None or not administers_consortium(principal, consortium.id):
        raise NotFound("No such consortium")
    return consortium


def get_consortium_for(
    session: Session, principal: Principal, consortium_id: uuid.UUID
) -> dict[str, Any]:
    return consortium_as_dict(_visible_consortium(session, principal, consortium_id))


def update_consortium(
    session: Session, principal: Principal, consortium_id: uuid.UUID, body: ConsortiumUpdate
) -> dict[str, Any]:
    consortium = _visible_consortium(session, principal, consortium_id)
    changed = body.model_dump(exclude_unset=True, exclude_none=True)
    if "name" in changed and session.scalar(
        sa.select(Consortium.id).where(
            Consortium.name == changed["name"], Consortium.id != consortium.id
        )
    ):
        raise ValidationFailed(
            FieldError("name", "A consortium with this name exists", "duplicate")
        )
    for field, value in changed.items():
        setattr(consortium, field, value)
    audit(
        session,
        principal,
        "consortium.update",
        "consortium",
        consortium.id,
        details={"fields": sorted(changed)},
    )
    session.commit()
    return consortium_as_dict(consortium)


# --- organizations ---------------------------------------------------------------------


def register_org(session: Session, principal: Principal, body: OrgCreate) -> dict[str, Any]:
    consortium = session.get(Consortium, body.consortium_id)
    if consortium is None or not administers_consortium(principal, consortium.id):
        if not principal.can(Perm.CONSORTIUM_ORGS_MANAGE):
            raise Forbidden("Only consortium admins register organizations")
        raise ValidationFailed(FieldError("consortium_id", "No such consortium", "not_found"))
    if session.scalar(
        sa.select(Organization.id).where(
            Organization.consortium_id == consortium.id, Organization.name == body.name
        )
    ):
        raise ValidationFailed(
            FieldError("name", "This consortium already has a member with this name", "duplicate")
        )
    org = Organization(
        consortium_id=consortium.id,
        name=body.name,
        kind=body.kind.value,
        sector=body.sector.value,
        address=body.address or None,
        representative=body.representative or None,
        mfa_required=body.mfa_required,
        status="active",
    )
    session.add(org)
    session.flush()
    events.org_event(session, "registered", org, principal)
    audit(session, principal, "org.register", "organization", org.id, org_id=org.id)
    session.commit()
    return org_as_dict(org)


def list_orgs(
    session: Session,
    principal: Principal,
    consortium_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    stmt = sa.select(Organization)
    if is_platform_admin(principal):
        if consortium_id is not None:
            stmt = stmt.where(Organization.consortium_id == consortium_id)
    elif principal.can(Perm.CONSORTIUM_ORGS_MANAGE):
        if consortium_id is not None and consortium_id != principal.consortium_id:
            raise NotFound("No such consortium")
        stmt = stmt.where(Organization.consortium_id == principal.consortium_id)
    elif principal.can(Perm.ORG_USERS_MANAGE):
        stmt = stmt.where(Organization.id == principal.org_id)
    else:
        raise Forbidden("Only admins list organizations")
    if status:
        stmt = stmt.where(Organization.status == status)
    page = keyset_list(session, stmt, [Organization.name, Organization.id], cursor, limit)
    return page.as_dict(org_as_dict)


def _visible_org(session: Session, principal: Principal, org_id: uuid.UUID) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or not sees_org(principal, org.id, org.consortium_id):
        raise NotFound("No such organization")
    return org


def get_org_for(session: Session, principal: Principal, org_id: uuid.UUID) -> dict[str, Any]:
    return org_as_dict(_visible_org(session, principal, org_id))


ORG_ADMIN_EDITABLE = frozenset({"address", "representative", "mfa_required"})


def update_org(
    session: Session, principal: Principal, org_id: uuid.UUID, body: OrgUpdate
) -> dict[str, Any]:
    org = _visible_org(session, principal, org_id)
    changed = body.model_dump(exclude_unset=True)
    for required in ("name", "kind", "sector", "mfa_required"):
        if required in changed and changed[required] is None:
            raise ValidationFailed(FieldError(required, "May not be empty", "missing"))
    if (
        not administers_consortium(principal, org.consortium_id)
        and set(changed) - ORG_ADMIN_EDITABLE
    ):
        raise Forbidden("Only consortium admins change an organization's name, kind or sector")
    if "name" in changed and session.scalar(
        sa.select(Organization.id).where(
            Organization.consortium_id == org.consortium_id,
            Organization.name == changed["name"],
            Organization.id != org.id,
        )
    ):
        raise ValidationFailed(
            FieldError("name", "This consortium already has a member with this name", "duplicate")
        )
    for field, value in changed.items():
        if isinstance(value, StrEnum):
            value = value.value
        if field in ("address", "representative"):
            value = value or None
        setattr(org, field, value)
    session.flush()
    events.org_event(session, "updated", org, principal)
    audit(
        session,
        principal,
        "org.update",
        "organization",
        org.id,
        org_id=org.id,
        details={"fields": sorted(changed)},
    )
    session.commit()
    return org_as_dict(org)


def _change_status(
    session: Session, principal: Principal, org_id: uuid.UUID, reason: str, *, to: str
) -> dict[str, Any]:
    org = _visible_org(session, principal, org_id)
    if not administers_consortium(principal, org.consortium_id):
        raise Forbidden("Only the consortium's admins suspend or reinstate members")
    if to == "suspended" and principal.org_id == org.id:
        raise Conflict("You cannot suspend your own organization", code="own_org")
    if org.status == to:
        raise Conflict(f"The organization is already {to}", code=f"already_{to}")
    org.status = to
    org.status_reason = reason
    if to == "suspended":
        revocations.org_suspended(session, org, principal)
    session.flush()
    events.org_event(session, "suspended" if to == "suspended" else "reinstated", org, principal)
    audit(
        session,
        principal,
        "org.suspend" if to == "suspended" else "org.reinstate",
        "organization",
        org.id,
        org_id=org.id,
        purpose=reason,
    )
    session.commit()
    return org_as_dict(org)


def suspend_org(
    session: Session, principal: Principal, org_id: uuid.UUID, reason: str
) -> dict[str, Any]:
    return _change_status(session, principal, org_id, reason, to="suspended")


def reinstate_org(
    session: Session, principal: Principal, org_id: uuid.UUID, reason: str
) -> dict[str, Any]:
    return _change_status(session, principal, org_id, reason, to="active")


def directory(session: Session, principal: Principal) -> dict[str, Any]:
    """Active members of the caller's consortium, to pick a referral's receiver from."""
    if principal.consortium_id is None:
        return {"items": [], "next_cursor": None}
    rows = session.scalars(
        sa.select(Organization)
        .where(
            Organization.consortium_id == principal.consortium_id, Organization.status == "active"
        )
        .order_by(Organization.name)
    )
    return {
        "items": [
            {
                "id": str(o.id),
                "name": o.name,
                "kind": o.kind,
                "sector": o.sector,
                "address": o.address,
            }
            for o in rows
        ],
        "next_cursor": None,
    }
