"""``GET /audit`` as every service serves it: the caller's org's entries, newest first,
as a cursor page or (``?format=csv``) a UTF-8-with-BOM export that is itself audited."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, jsonify

from common.audit import AuditMixin, query_audit, record_audit
from common.errors import Forbidden
from common.http.openapi import endpoint
from common.http.service import current_principal, db
from common.permissions import Perm
from common.schemas import AuditQuery

CSV_COLUMNS = (
    "occurred_at",
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


def add_audit_route(
    bp: Blueprint,
    model: type[AuditMixin],
    *,
    summary: str,
    export_name: str,
    tags: tuple[str, ...] = (),
) -> None:
    @bp.get("/audit")
    @endpoint(summary, query=AuditQuery, tags=tags)
    def audit_log(query: AuditQuery) -> Response:
        principal = current_principal()
        if not principal.can(Perm.AUDIT_READ) or principal.org_id is None:
            raise Forbidden("Only organization admins read the audit log")
        org_id = principal.org_id
        session = db()

        def page(limit: int, cursor: str | None) -> dict[str, object]:
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
            return jsonify(page(query.limit, query.cursor))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        cursor: str | None = None
        written = 0
        while written < EXPORT_MAX:
            result = page(200, cursor)
            items = result["items"]
            assert isinstance(items, list)
            for item in items:
                writer.writerow([item[c] or "" for c in CSV_COLUMNS])
            written += len(items)
            cursor = result["next_cursor"]  # type: ignore[assignment]
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
            "\ufeff" + out.getvalue(),  # Excel on Japanese Windows reads UTF-8 only with a BOM
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{export_name}"'},
        )
