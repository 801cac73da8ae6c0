"""Each org's provision ledger (APPI arts. 29/30): what it provided and what it received,
read-only (the table is append-only), exported as JSON, CSV or XLSX."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.audit import record_audit
from common.clock import jst_date, start_of_jst_day
from common.errors import FieldError, Forbidden, ValidationFailed
from common.pagination import keyset_list
from common.permissions import Perm
from common.principal import Principal
from services.referrals.ledger_export import to_csv, to_xlsx
from services.referrals.models import AuditEntry, ProvisionRecord
from services.referrals.schemas import LedgerFormat, LedgerQuery

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXPORT_LIMIT = 100_000
"""A file export is one answer; a ledger larger than this is exported in date ranges."""


@dataclass(frozen=True)
class LedgerFile:
    content: bytes
    mimetype: str
    filename: str


def record_as_dict(record: ProvisionRecord) -> dict[str, Any]:
    """Every item APPI arts. 29/30 ask of the record, under the names of API.md's ledger
    (``at``, ``person``, ``categories``, ``obtained_how``) and the service's own."""
    person = {"person_key": str(record.person_key)}
    if record.case_id:
        person["case_id"] = str(record.case_id)
    return {
        "id": str(record.id),
        "direction": record.direction,
        "date": jst_date(record.occurred_at).isoformat(),
        "at": record.occurred_at.isoformat(),
        "occurred_at": record.occurred_at.isoformat(),
        "counterparty": {
            "id": str(record.counterparty_org_id),
            "name": record.counterparty_name,
            "address": record.counterparty_address,
            "representative": record.counterparty_representative,
        },
        "referral_id": str(record.referral_id),
        "case_id": str(record.case_id) if record.case_id else None,
        "person_key": str(record.person_key),
        "person": person,
        "data_items": list(record.data_items),
        "categories": list(record.data_items),
        "basis": record.basis,
        "consent_id": str(record.consent_id) if record.consent_id else None,
        "consent_given_by": record.consent_given_by,
        "representative_basis": record.representative_basis,
        "exception_code": record.exception_code,
        "exception_reason": record.exception_reason,
        "support_meeting": record.support_meeting,
        "obtained_via": record.obtained_via,
        "obtained_how": record.obtained_via,
        "recorded_at": record.recorded_at.isoformat(),
        "retain_until": record.retain_until.isoformat(),
    }


def _statement(principal: Principal, query: LedgerQuery) -> sa.Select[Any]:
    if query.from_ and query.to and query.to < query.from_:
        raise ValidationFailed(FieldError("to", "The end is before the start", "range_invalid"))
    stmt = sa.select(ProvisionRecord).where(ProvisionRecord.org_id == principal.org_id)
    if query.from_:
        stmt = stmt.where(ProvisionRecord.occurred_at >= start_of_jst_day(query.from_))
    if query.to:  # inclusive: the whole JST day
        stmt = stmt.where(
            ProvisionRecord.occurred_at < start_of_jst_day(query.to + timedelta(days=1))
        )
    if query.direction:
        stmt = stmt.where(ProvisionRecord.direction == query.direction.value)
    if query.person_key:
        stmt = stmt.where(ProvisionRecord.person_key == query.person_key)
    return stmt


def _authorize(principal: Principal) -> None:
    if principal.org_id is None or not (
        principal.can(Perm.AUDIT_READ) or principal.can(Perm.CASE_EXPORT)
    ):
        raise Forbidden("Your role may not read the provision ledger")


def ledger(
    session: Session, principal: Principal, query: LedgerQuery
) -> dict[str, Any] | LedgerFile:
    _authorize(principal)
    stmt = _statement(principal, query)
    order = [ProvisionRecord.occurred_at, ProvisionRecord.id]
    details = {
        "from": query.from_.isoformat() if query.from_ else None,
        "to": query.to.isoformat() if query.to else None,
        "format": query.format.value,
    }
    if query.person_key:
        details["person_key"] = str(query.person_key)
    record_audit(
        session,
        AuditEntry,
        action="provision_ledger.read",
        resource_type="provision_ledger",
        resource_id=principal.org_id,
        principal=principal,
        details=details,
    )
    if query.format is LedgerFormat.JSON:
        page = keyset_list(session, stmt, order, query.cursor, query.limit)
        session.commit()
        return page.as_dict(record_as_dict)
    rows = list(session.scalars(stmt.order_by(*order).limit(EXPORT_LIMIT)))
    session.commit()
    records = [record_as_dict(r) for r in rows]
    span = f"{details['from'] or 'start'}_{details['to'] or 'today'}"
    if query.format is LedgerFormat.CSV:
        return LedgerFile(
            to_csv(records), "text/csv; charset=utf-8", f"provision-ledger_{span}.csv"
        )
    return LedgerFile(
        to_xlsx(records),
        XLSX_MIME,
        f"provision-ledger_{span}.xlsx",
    )
