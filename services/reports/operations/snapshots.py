"""Frozen snapshots: a submitted annual report kept as it was, dated and versioned.

The table is append-only in the database; a correction that changes the figures later
shows as a difference from the snapshot, and freezing again makes a new version."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.errors import Conflict, NotFound
from common.fiscal import fiscal_year_label
from common.principal import Principal
from services.reports import queries
from services.reports.domain.access import Scope, ScopeKind, manageable_scope, readable_scope
from services.reports.domain.diff import report_diff
from services.reports.domain.suppression import cell
from services.reports.models import Snapshot
from services.reports.operations.common import audit, shown
from services.reports.schemas import SnapshotBody, SnapshotListQuery


def _meta(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "id": str(snapshot.id),
        "scope": snapshot.scope_kind,
        "scope_id": str(snapshot.scope_id),
        "fiscal_year": snapshot.fiscal_year,
        "label": fiscal_year_label(snapshot.fiscal_year),
        "version": snapshot.version,
        "frozen_at": snapshot.frozen_at.isoformat(),
        "frozen_by": str(snapshot.frozen_by) if snapshot.frozen_by else None,
        "note": snapshot.note,
    }


def _shown_changes(
    changes: list[dict[str, Any]], scope: Scope, threshold: int
) -> list[dict[str, Any]]:
    if not scope.aggregates_only:
        return changes
    out = []
    for change in changes:
        change = dict(change)
        if "target" not in change["field"]:
            frozen, current = change["frozen"], change["current"]
            small = [v for v in (frozen, current) if isinstance(v, int) and 0 < abs(v) < threshold]
            if small:
                change["frozen"] = cell(frozen, threshold) if isinstance(frozen, int) else frozen
                change["current"] = (
                    cell(current, threshold) if isinstance(current, int) else current
                )
                change["delta"] = None
        out.append(change)
    return out


def snapshot_view(
    session: Session, snapshot: Snapshot, scope: Scope, threshold: int
) -> dict[str, Any]:
    """The snapshot as frozen, and how today's figures differ from it."""
    frozen = queries.snapshot_content(snapshot)
    current = queries.raw_kpi_report(session, scope, snapshot.fiscal_year)
    changes = report_diff(frozen, current)
    return _meta(snapshot) | {
        "report": shown(frozen, scope, threshold),
        "changed": bool(changes),
        "changes": _shown_changes(changes, scope, threshold),
    }


def freeze(
    session: Session, principal: Principal, body: SnapshotBody, threshold: int
) -> dict[str, Any]:
    scope = manageable_scope(principal, body.scope)
    report = queries.raw_kpi_report(session, scope, body.fiscal_year)
    latest = session.scalar(
        sa.select(sa.func.max(Snapshot.version)).where(
            Snapshot.scope_kind == scope.kind.value,
            Snapshot.scope_id == scope.id,
            Snapshot.fiscal_year == body.fiscal_year,
        )
    )
    snapshot = Snapshot(
        id=uuid.uuid4(),
        scope_kind=scope.kind.value,
        scope_id=scope.id,
        fiscal_year=body.fiscal_year,
        version=(latest or 0) + 1,
        frozen_by=principal.user_id,
        note=body.note,
        content=json.dumps(report, ensure_ascii=False, sort_keys=True),
    )
    session.add(snapshot)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("Another version was frozen at the same moment; try again") from exc
    audit(
        session,
        principal,
        "report.snapshot.freeze",
        "report_snapshot",
        snapshot.id,
        details={
            "scope": scope.kind.value,
            "fiscal_year": body.fiscal_year,
            "version": snapshot.version,
        },
    )
    session.commit()
    return snapshot_view(session, snapshot, scope, threshold)


def list_snapshots(
    session: Session, principal: Principal, query: SnapshotListQuery
) -> dict[str, Any]:
    scope = readable_scope(principal, query.scope, query.requested)
    items = [_meta(s) for s in queries.snapshots_of(session, scope, query.fiscal_year)]
    return {"items": items, "next_cursor": None}


def visible_snapshot(
    session: Session, principal: Principal, snapshot_id: uuid.UUID
) -> tuple[Snapshot, Scope]:
    """The snapshot if it is of the caller's own org or consortium; else 404."""
    snapshot = session.get(Snapshot, snapshot_id)
    if snapshot is None:
        raise NotFound("No such snapshot")
    kind = ScopeKind(snapshot.scope_kind)
    own = principal.org_id if kind is ScopeKind.ORG else principal.consortium_id
    if own != snapshot.scope_id:
        raise NotFound("No such snapshot")
    return snapshot, readable_scope(principal, kind, snapshot.scope_id)


def get_snapshot(
    session: Session, principal: Principal, snapshot_id: uuid.UUID, threshold: int
) -> dict[str, Any]:
    snapshot, scope = visible_snapshot(session, principal, snapshot_id)
    return snapshot_view(session, snapshot, scope, threshold)
