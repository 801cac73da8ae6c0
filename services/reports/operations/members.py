"""Members of the consortium and their figures per fiscal year of the plan period, each
counted only from its start (set by the consortium admin, else its registration); the
start date's editing; and the member tables as CSV/XLSX for the prefecture."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import Forbidden, NotFound
from common.fiscal import fiscal_year_label
from common.permissions import Perm
from common.principal import Principal
from services.reports import exports as render
from services.reports import queries
from services.reports.domain.access import Scope, ScopeKind, readable_scope
from services.reports.domain.kpi import KPIS
from services.reports.domain.members import (
    member_year,
    start_moment,
    start_of,
    suppress_members,
    year_status,
)
from services.reports.models import Membership
from services.reports.operations.common import audit
from services.reports.operations.exports import XLSX_MIME, ExportFile
from services.reports.schemas import MembershipBody, MembersQuery


def _has_duty(principal: Principal) -> bool:
    """The consortium's own reporting duty: its admin, who reports to the prefecture."""
    return principal.can(Perm.CONSORTIUM_TARGETS_MANAGE)


def members_report(
    session: Session, principal: Principal, query: MembersQuery, threshold: int
) -> dict[str, Any]:
    scope = readable_scope(principal, ScopeKind.CONSORTIUM, query.consortium_id)
    plan = queries.plan_period(session, scope, query.fiscal_year)
    years = plan.fiscal_years
    rows = queries.members_of(session, scope.id)
    tallies = queries.org_year_tallies(session, [r.org_id for r in rows], years)
    members = []
    for row in rows:
        start = start_of(row.starts_on, row.registered_at)
        member_years = []
        for year in years:
            status = year_status(start.starts_on, year)
            if status == "partial":
                assert start.starts_on is not None
                counts = queries.org_counts_since(
                    session, row.org_id, year, start_moment(start.starts_on)
                )
            else:
                counts = tallies.get((row.org_id, year), {})
            member_years.append(member_year(year, status, counts))
        members.append(
            {
                "org_id": str(row.org_id),
                "name": row.name,
                "kind": row.kind,
                "status": row.status,
                "starts_on": start.starts_on.isoformat() if start.starts_on else None,
                "registered_on": start.registered_on.isoformat() if start.registered_on else None,
                "start_set": start.set_by_admin,
                "years": member_years,
            }
        )
    duty = _has_duty(principal)
    if not duty:
        members = suppress_members(members, threshold)
    return {
        "fiscal_year": query.fiscal_year,
        "label": fiscal_year_label(query.fiscal_year),
        "label_en": fiscal_year_label(query.fiscal_year, "en"),
        "scope": scope.kind.value,
        "scope_id": str(scope.id),
        "plan": {
            "start_fiscal_year": plan.start,
            "years": plan.years,
            "fiscal_years": [
                {
                    "fiscal_year": y,
                    "label": fiscal_year_label(y),
                    "label_en": fiscal_year_label(y, "en"),
                }
                for y in years
            ],
        },
        "kpis": [
            {"kpi": code.value, "label": d.label, "label_en": d.label_en, "counts": d.counts}
            for code, d in KPIS.items()
        ],
        "members": members,
        "suppressed": not duty,
        "small_cell_threshold": None if duty else threshold,
        "editable": principal.can(Perm.CONSORTIUM_ORGS_MANAGE),
    }


def set_start(
    session: Session, principal: Principal, org_id: uuid.UUID, body: MembershipBody
) -> dict[str, Any]:
    """The consortium admin sets (or, with null, clears) when a member's figures start."""
    if principal.consortium_id is None or not principal.can(Perm.CONSORTIUM_ORGS_MANAGE):
        raise Forbidden("Only the consortium admin sets when a member starts")
    scope = Scope(ScopeKind.CONSORTIUM, principal.consortium_id)
    membership = session.get(Membership, org_id, with_for_update=True)
    if membership is None or membership.consortium_id != scope.id:
        raise NotFound("No such member")
    old = membership.starts_on
    membership.starts_on = body.starts_on
    membership.updated_at = utcnow()
    membership.updated_by = principal.user_id
    audit(
        session,
        principal,
        "report.membership.update",
        "org",
        org_id,
        details={
            "old_starts_on": old.isoformat() if old else None,
            "new_starts_on": body.starts_on.isoformat() if body.starts_on else None,
        },
    )
    session.commit()
    start = start_of(membership.starts_on, membership.registered_at)
    return {
        "org_id": str(org_id),
        "starts_on": start.starts_on.isoformat() if start.starts_on else None,
        "registered_on": start.registered_on.isoformat() if start.registered_on else None,
        "start_set": start.set_by_admin,
    }


def export_members(
    session: Session, principal: Principal, query: MembersQuery, fmt: str, threshold: int
) -> ExportFile:
    report = members_report(session, principal, query, threshold)
    lang = query.lang.value
    if fmt == "csv":
        content, mimetype = render.members_csv(report, lang), "text/csv; charset=utf-8"
    else:
        content, mimetype = render.members_xlsx(report, lang), XLSX_MIME
    audit(
        session,
        principal,
        "report.export",
        "member_tables",
        report["scope_id"],
        details={"format": fmt, "scope": "consortium", "fiscal_year": query.fiscal_year},
    )
    session.commit()
    return ExportFile(content, f"members_{query.fiscal_year}.{fmt}", mimetype)
