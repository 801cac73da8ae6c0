"""The consortium admins' own log: registrations, suspensions and reinstatements of
members, people added to members, policy changes — with names, in JST."""

from __future__ import annotations

import uuid
from typing import Any

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from gateway import apiclient as api
from gateway.views.admin import bp
from gateway.views.core.labels import AUDIT_ACTIONS, OTHER_ACTION


def _entry(item: dict[str, Any]) -> dict[str, Any]:
    actor = item.get("actor_name") or ""
    if item.get("actor_org_name"):
        actor = str(_l("%(name)s (%(org)s)", name=actor, org=item["actor_org_name"]))
    return {
        "at": item["occurred_at"],
        "action": AUDIT_ACTIONS.get(item["action"], OTHER_ACTION),
        "org": item.get("org_name") or "",
        "actor": actor,
        "purpose": item.get("purpose"),
    }


@bp.get("/consortia/<uuid:consortium_id>/log")
@login_required
def consortium_log(consortium_id: uuid.UUID) -> Any:
    consortium = api.get(f"/consortia/{consortium_id}")
    page = api.get(
        f"/consortia/{consortium_id}/audit", limit=50, cursor=request.args.get("cursor") or None
    )
    return render_template(
        "admin/consortium_log.html",
        consortium=consortium,
        entries=[_entry(i) for i in page["items"]],
        page=page,
    )
