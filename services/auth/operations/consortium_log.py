"""The consortium admin's own log: what the consortium's administrators (and the platform
admin) did to the consortium and its members — registrations, suspensions and
reinstatements, people added to member organizations, changes of policy. An auditor reads
it beside each member's own log, with names as well as ids."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.audit import audit_entry_as_dict
from common.errors import NotFound
from common.pagination import keyset_list
from common.principal import Principal
from common.schemas import AuditQuery
from services.auth.domain.access import administers_consortium
from services.auth.models import AuditEntry, Consortium, Organization, User

CONSORTIUM_ACTIONS = (
    "consortium.create",
    "consortium.update",
    "org.register",
    "org.update",
    "org.suspend",
    "org.reinstate",
    "user.invite",
    "user.reinvite",
    "user.update",
)


def consortium_log(
    session: Session, principal: Principal, consortium_id: uuid.UUID, query: AuditQuery
) -> dict[str, Any]:
    consortium = session.get(Consortium, consortium_id)
    if consortium is None or not administers_consortium(principal, consortium.id):
        raise NotFound("No such consortium")
    members = sa.select(Organization.id).where(Organization.consortium_id == consortium.id)
    entry = AuditEntry
    stmt = sa.select(entry).where(
        entry.action.in_(CONSORTIUM_ACTIONS),
        sa.or_(
            sa.and_(entry.resource_type == "consortium", entry.resource_id == str(consortium.id)),
            # Done to a member from outside it: by a consortium-level admin, not the
            # member's own admins (their changes are in the member's own log).
            sa.and_(
                entry.org_id.in_(members),
                sa.or_(entry.actor_org_id.is_(None), entry.actor_org_id != entry.org_id),
            ),
        ),
    )
    if query.resource_id:
        stmt = stmt.where(entry.resource_id == query.resource_id)
    if query.actor_id:
        stmt = stmt.where(entry.actor_id == query.actor_id)
    if query.from_:
        stmt = stmt.where(entry.occurred_at >= query.from_)
    if query.to:
        stmt = stmt.where(entry.occurred_at < query.to)
    page = keyset_list(
        session, stmt, [entry.occurred_at, entry.id], query.cursor, query.limit, descending=True
    )
    rows = page.items
    people = _names(session, User, {r.actor_id for r in rows if r.actor_id})
    orgs = _names(session, Organization, {r.org_id for r in rows if r.org_id})
    orgs |= _names(session, Organization, {r.actor_org_id for r in rows if r.actor_org_id})
    return page.as_dict(
        lambda r: (
            audit_entry_as_dict(r)
            | {
                "actor_name": people.get(r.actor_id) if r.actor_id else None,
                "actor_org_name": orgs.get(r.actor_org_id) if r.actor_org_id else None,
                "org_name": orgs.get(r.org_id) if r.org_id else None,
            }
        )
    )


def _names(
    session: Session, model: type[User] | type[Organization], ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {
        row_id: name
        for row_id, name in session.execute(
            sa.select(model.id, model.name).where(model.id.in_(ids))
        ).all()
    }
