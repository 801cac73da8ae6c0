"""``GET /audit`` as every service serves it: the caller's org's entries, newest first,
as a cursor page or (``?format=csv``) a UTF-8-with-BOM export (times in JST) that is itself
audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify

from common.audit import AuditMixin, audit_entry_as_dict, query_audit, record_audit
from common.errors import Forbidden
from common.exports import jst_text, to_csv
from common.http.openapi import Answer, endpoint, page_of
from common.http.service import current_principal, db
from common.pagination import Page
from common.permissions import Perm
from common.schemas import AuditQuery

CSV_COLUMNS = (
    "occurred_at",  # JST, as every export writes times
    "actor_id",
    "actor_org_id",
    "action",
    "resource_type",
    "resource_id",
    "purpose",
    "outcome",
    "request_id",
)
EXPORT_MAX = 50_000


class AuditEntryAnswer(Answer):
    """One entry as ``common.audit.audit_entry_as_dict`` writes it."""

    id: str
    occurred_at: datetime
    org_id: str | None
    actor_id: str | None
    actor_org_id: str | None
    action: str
    resource_type: str
    resource_id: str | None
    purpose: str | None
    outcome: str
    request_id: str | None
    details: dict[str, Any] | None


def add_audit_route(
    bp: Blueprint,
    model: type[AuditMixin],
    *,
    summary: str,
    export_name: str,
    tags: tuple[str, ...] = (),
) -> None:
    @bp.get("/audit")
    @endpoint(
        summary,
        query=AuditQuery,
        tags=tags,
        response=page_of(AuditEntryAnswer),
        media=("text/csv",),
    )
    def audit_log(query: AuditQuery) -> Response:
        principal = current_principal()
        if not principal.can(Perm.AUDIT_READ) or principal.org_id is None:
            raise Forbidden("Only organization admins read the audit log")
        org_id = principal.org_id
        session = db()

        def page(limit: int, cursor: str | None) -> Page[AuditMixin]:
            return query_audit(
                session,
                model,
                org_id=org_id,
                resource_id=query.resource_id,
                actor_id=query.actor_id,
                since=query.from_,
                until=query.to,
                limit=limit,
                cursor=cursor,
            )

        if query.format != "csv":
            return jsonify(page(query.limit, query.cursor).as_dict(audit_entry_as_dict))
        rows: list[list[Any]] = []
        cursor: str | None = None
        written = 0
        while written < EXPORT_MAX:
            result = page(200, cursor)
            for item in map(audit_entry_as_dict, result.items):
                rows.append([jst_text(item["occurred_at"])] + [item[c] for c in CSV_COLUMNS[1:]])
            written += len(result.items)
            cursor = result.next_cursor
            if cursor is None:
                break
        record_audit(
            session,
            model,
            action="audit.export",
            resource_type="audit",
            resource_id=None,
            principal=principal,
            details={"rows": written},
        )
        session.commit()
        return Response(
            to_csv(CSV_COLUMNS, rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{export_name}"'},
        )
