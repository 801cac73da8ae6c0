"""What the reports operations share: the audit entry, and showing a report to a scope."""

from __future__ import annotations

from typing import Any

from common.audit import auditor
from services.reports.domain.access import Scope
from services.reports.domain.suppression import suppress_kpi_report
from services.reports.models import AuditEntry

audit = auditor(AuditEntry)
"""Writes an entry to this service's audit log in the caller's transaction."""


def shown(report: dict[str, Any], scope: Scope, threshold: int) -> dict[str, Any]:
    """The report as this scope may see it: consortium views hide small cells."""
    if scope.aggregates_only:
        return suppress_kpi_report(report, threshold)
    return report | {"suppressed": False}
