"""What the reports operations share: the audit entry, and showing a report to a scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from common.audit import record_audit
from common.principal import Principal
from services.reports.domain.access import Scope
from services.reports.domain.suppression import suppress_kpi_report
from services.reports.models import AuditEntry


def audit(
    session: Session,
    principal: Principal,
    action: str,
    resource_type: str,
    resource_id: Any,
    **kwargs: Any,
) -> None:
    record_audit(
        session,
        AuditEntry,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        principal=principal,
        **kwargs,
    )


def shown(report: dict[str, Any], scope: Scope, threshold: int) -> dict[str, Any]:
    """The report as this scope may see it: consortium views hide small cells."""
    if scope.aggregates_only:
        return suppress_kpi_report(report, threshold)
    return report | {"suppressed": False}
