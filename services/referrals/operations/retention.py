"""Retention of provision records (APPI rules art. 14: three years): the dry run that lists
an org's records past their ``retain_until``, and the worker's job that removes each one in
its own transaction with an audit entry in the ledger owner's log.

The database itself refuses to delete a record whose retention has not ended (by its own
clock, in JST), so neither a bug nor a wrong application clock can remove one early."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.audit import record_audit
from common.clock import jst_date
from common.errors import Forbidden
from common.permissions import Perm
from common.principal import Principal
from services.referrals.models import AuditEntry, ProvisionRecord
from services.referrals.operations.ledger import record_as_dict

log = logging.getLogger(__name__)
DUE_LIST_LIMIT = 500


def _due(today: date) -> sa.Select[Any]:
    """Records whose retention ended before ``today`` (JST): kept through retain_until."""
    return (
        sa.select(ProvisionRecord)
        .where(ProvisionRecord.retain_until < today)
        .order_by(ProvisionRecord.retain_until, ProvisionRecord.id)
    )


def due(session: Session, principal: Principal, now: datetime) -> dict[str, Any]:
    """The dry run for the org admin: the records of my ledger the next run removes."""
    if principal.org_id is None or not principal.can(Perm.PRIVACY_MANAGE):
        raise Forbidden("Your role may not read what retention removes")
    today = jst_date(now)
    rows = session.scalars(
        _due(today).where(ProvisionRecord.org_id == principal.org_id).limit(DUE_LIST_LIMIT)
    )
    items = [record_as_dict(r) for r in rows]
    record_audit(
        session,
        AuditEntry,
        action="provision_ledger.due_read",
        resource_type="provision_ledger",
        resource_id=principal.org_id,
        principal=principal,
    )
    session.commit()
    return {"as_of": today.isoformat(), "items": items, "truncated": len(items) == DUE_LIST_LIMIT}


@dataclass
class RetentionRun:
    removed: int = 0
    refused: int = 0
    """Records the database would not delete (its clock says their retention has not ended)."""


def run_retention(session_factory: sessionmaker[Session], now: datetime) -> RetentionRun:
    run = RetentionRun()
    today = jst_date(now)
    with session_factory() as session:
        ids: list[uuid.UUID] = list(
            session.scalars(_due(today).with_only_columns(ProvisionRecord.id))
        )
        session.rollback()
    for record_id in ids:
        with session_factory() as session:
            record = session.get(ProvisionRecord, record_id)
            if record is None:
                continue
            try:
                record_audit(
                    session,
                    AuditEntry,
                    action="provision_record.retention_removed",
                    resource_type="provision_record",
                    resource_id=record.id,
                    org_id=record.org_id,
                    details={
                        "referral_id": str(record.referral_id),
                        "direction": record.direction,
                        "date": jst_date(record.occurred_at).isoformat(),
                        "counterparty": record.counterparty_name,
                        "retain_until": record.retain_until.isoformat(),
                    },
                )
                session.execute(sa.delete(ProvisionRecord).where(ProvisionRecord.id == record.id))
                session.commit()
                run.removed += 1
            except sa.exc.DBAPIError:
                session.rollback()
                run.refused += 1
                log.warning(
                    "retention: the database kept a provision record",
                    extra={"record_id": str(record_id)},
                )
    return run
