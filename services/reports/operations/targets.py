"""KPI targets and the plan period, per org (org admin) or per consortium (consortium
admin)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.fiscal import fiscal_year_label
from common.principal import Principal
from services.reports import queries
from services.reports.domain.access import Scope, manageable_scope, may_manage
from services.reports.domain.kpi import KPIS
from services.reports.models import Plan, Target
from services.reports.operations.common import audit
from services.reports.operations.reports import scope_of
from services.reports.schemas import ReportQuery, TargetsBody


def targets_view(session: Session, principal: Principal, scope: Scope, year: int) -> dict[str, Any]:
    plan = queries.plan_period(session, scope, year)
    targets = queries.targets_for(session, scope, plan.fiscal_years)
    return {
        "scope": scope.kind.value,
        "scope_id": str(scope.id),
        "fiscal_year": year,
        "label": fiscal_year_label(year),
        "plan": plan.as_dict(),
        "plan_stored": queries.stored_plan(session, scope) is not None,
        "editable": may_manage(principal, scope.kind),
        "kpis": [
            {"kpi": code.value, "label": d.label, "label_en": d.label_en}
            for code, d in KPIS.items()
        ],
        "years": [
            {
                "fiscal_year": y,
                "label": fiscal_year_label(y),
                "targets": {code.value: targets.get(y, {}).get(code.value) for code in KPIS},
            }
            for y in plan.fiscal_years
        ],
    }


def get_targets(session: Session, principal: Principal, query: ReportQuery) -> dict[str, Any]:
    scope = scope_of(principal, query)
    return targets_view(session, principal, scope, query.fiscal_year)


def put_targets(session: Session, principal: Principal, body: TargetsBody) -> dict[str, Any]:
    scope = manageable_scope(principal, body.scope)
    now = utcnow()
    changed: dict[str, list[int | None]] = {}
    for code, value in body.targets.items():
        key = (scope.kind.value, scope.id, body.fiscal_year, code.value)
        row = session.get(Target, key)
        before = row.target if row else None
        if before == value:
            continue
        changed[code.value] = [before, value]
        if value is None:
            session.execute(
                sa.delete(Target).where(
                    Target.scope_kind == scope.kind.value,
                    Target.scope_id == scope.id,
                    Target.fiscal_year == body.fiscal_year,
                    Target.kpi == code.value,
                )
            )
        elif row is None:
            session.add(
                Target(
                    scope_kind=scope.kind.value,
                    scope_id=scope.id,
                    fiscal_year=body.fiscal_year,
                    kpi=code.value,
                    target=value,
                    updated_at=now,
                    updated_by=principal.user_id,
                )
            )
        else:
            row.target = value
            row.updated_at = now
            row.updated_by = principal.user_id
    details: dict[str, Any] = {
        "scope": scope.kind.value,
        "fiscal_year": body.fiscal_year,
        "changed": changed,
    }
    if body.plan is not None:
        plan = session.get(Plan, (scope.kind.value, scope.id))
        if plan is None:
            plan = Plan(scope_kind=scope.kind.value, scope_id=scope.id)
            session.add(plan)
        plan.start_fiscal_year = body.plan.start_fiscal_year
        plan.years = body.plan.years
        plan.updated_at = now
        plan.updated_by = principal.user_id
        details["plan"] = body.plan.model_dump()
    audit(session, principal, "report.targets.update", "report_targets", scope.id, details=details)
    session.commit()
    return targets_view(session, principal, scope, body.fiscal_year)
