"""The append-only audit log every service keeps of person-level reads and changes.

Each service declares ``class AuditEntry(AuditMixin, Base)`` and writes entries with
:func:`record_audit` inside the same transaction as the action, so an action and
its audit entry commit together or not at all. Migrations install
:func:`append_only_ddl` so that nothing — not even the service — can update or
delete an entry.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from common.clock import utcnow
from common.pagination import Page, keyset_list
from common.principal import Principal
from common.requestctx import current_request_id


class AuditMixin:
    """Who (actor, actor's org) did what (action) to which resource, why, and when."""

    __tablename__ = "audit_log"
    __append_only__ = True
    """Entries are only ever inserted (a trigger refuses the rest): an insert does not depend
    on what the transaction read, so a read may append it after letting its snapshot go
    (common.db, "the audit hop")."""

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True, default=uuid.uuid4)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    org_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid(), index=True)
    """The tenant whose log this entry belongs to (whose data was touched)."""
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid(), index=True)
    actor_org_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    action: Mapped[str] = mapped_column(sa.String(64))
    resource_type: Mapped[str] = mapped_column(sa.String(40))
    resource_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    purpose: Mapped[str | None] = mapped_column(sa.String(200))
    outcome: Mapped[str] = mapped_column(sa.String(16), default="ok")
    request_id: Mapped[str | None] = mapped_column(sa.String(128))
    details: Mapped[str | None] = mapped_column(sa.Text())
    """JSON of non-personal details, e.g. the names of the fields that changed."""


def record_audit(
    session: Session,
    model: type[AuditMixin],
    *,
    action: str,
    resource_type: str,
    resource_id: uuid.UUID | str | None,
    principal: Principal | None = None,
    org_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    purpose: str | None = None,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
) -> AuditMixin:
    entry: AuditMixin = cast(Any, model)(
        occurred_at=utcnow(),
        org_id=org_id if org_id is not None else (principal.org_id if principal else None),
        actor_id=actor_id if actor_id is not None else (principal.user_id if principal else None),
        actor_org_id=principal.org_id if principal else None,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id) if resource_id is not None else None,
        purpose=purpose,
        outcome=outcome,
        request_id=current_request_id.get(),
        details=json.dumps(details, ensure_ascii=False, sort_keys=True) if details else None,
    )
    session.add(entry)
    return entry


def append_only_ddl(dialect: str, table: str = "audit_log") -> list[str]:
    """Statements that make ``table`` append-only at the database level."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()",
        ]
    raise ValueError(f"no append-only DDL for {dialect}")


def audit_entry_as_dict(entry: AuditMixin) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "occurred_at": entry.occurred_at.isoformat(),
        "org_id": str(entry.org_id) if entry.org_id else None,
        "actor_id": str(entry.actor_id) if entry.actor_id else None,
        "actor_org_id": str(entry.actor_org_id) if entry.actor_org_id else None,
        "action": entry.action,
        "resource_type": entry.resource_type,
        "resource_id": entry.resource_id,
        "purpose": entry.purpose,
        "outcome": entry.outcome,
        "request_id": entry.request_id,
        "details": json.loads(entry.details) if entry.details else None,
    }


def query_audit(
    session: Session,
    model: type[AuditMixin],
    *,
    org_id: uuid.UUID,
    resource_id: str | None = None,
    actor_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[AuditMixin]:
    """One org's entries, newest first, as a cursor page."""
    stmt = sa.select(model).where(model.org_id == org_id)
    if resource_id:
        stmt = stmt.where(model.resource_id == resource_id)
    if actor_id:
        stmt = stmt.where(model.actor_id == actor_id)
    if since:
        stmt = stmt.where(model.occurred_at >= since)
    if until:
        stmt = stmt.where(model.occurred_at < until)
    return keyset_list(session, stmt, [model.occurred_at, model.id], cursor, limit, descending=True)


def install_append_only(op: Any, table: str = "audit_log") -> None:
    """For a migration's ``upgrade()``: make the audit table append-only."""
    for statement in append_only_ddl(op.get_bind().dialect.name, table):
        op.execute(statement)


def remove_append_only(op: Any, table: str = "audit_log") -> None:
    """For a migration's ``downgrade()``, after the table is dropped."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


class Auditor(Protocol):
    def __call__(
        self,
        session: Session,
        principal: Principal | None,
        action: str,
        resource_type: str,
        resource_id: Any,
        **kwargs: Any,
    ) -> None: ...


def auditor(model: type[AuditMixin]) -> Auditor:
    """``record_audit`` bound to a service's own audit table, for its operations:
    ``audit = auditor(AuditEntry)`` then ``audit(session, principal, action, type, id)``."""

    def audit(
        session: Session,
        principal: Principal | None,
        action: str,
        resource_type: str,
        resource_id: Any,
        **kwargs: Any,
    ) -> None:
        record_audit(
            session,
            model,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            principal=principal,
            **kwargs,
        )

    return audit
