"""The organization's audit log (org admins): every service's entries merged newest first,
with people's and organizations' names, filters by person and period, and a CSV export."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from flask import Response, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from common.http.client import UpstreamTimeout, UpstreamUnavailable
from common.permissions import Perm
from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.auditlog import BadCursor, SourceFailed, merged_page
from gateway.exports import csv_response
from gateway.forms import Form
from gateway.i18n import format_jst
from gateway.views.core import bp
from gateway.views.core.labels import AUDIT_ACTIONS, AUDIT_OUTCOMES, OTHER_ACTION, RESOURCE_TYPES
from gateway.vocabulary import MISSING, label

PURPOSES = {
    "referral": _l("Referral"),
    "support": _l("Support"),
    "report": _l("Reporting"),
    "disclosure": _l("Disclosure request"),
    "erasure": _l("Erasure"),
    "audit": _l("Audit"),
}
LINKS = {"case": ("cases.show", "case_id"), "referral": ("referrals.detail", "referral_id")}
EXPORT_PAGES = 200  # at most 40,000 rows per export


def _filters() -> Form:
    form = Form("audit", fields=("actor_id", "from", "to", "resource_id"), prefix="f")
    form.read(request.args)
    for key in ("actor_id", "resource_id"):
        try:
            uuid.UUID(form.get(key) or "x")
        except ValueError:
            form.values[key] = ""
    return form


def _params(form: Form) -> dict[str, str]:
    params = form.text("actor_id", "resource_id", "from", "to")
    for key in ("from", "to"):
        if key in params and len(params[key]) == 10:  # a date alone is that day in JST
            params[key] += "T00:00:00+09:00" if key == "from" else "T23:59:59.999999+09:00"
    return params


def _page(params: dict[str, str], cursor: str | None, limit: int) -> dict[str, Any]:
    try:
        return merged_page(
            current_app.extensions["upstreams"],
            current_user.identity.principal_token,
            params,
            cursor,
            limit,
        )
    except BadCursor:
        raise ApiError(422, code="cursor_invalid") from None
    except SourceFailed as failed:
        raise ApiError.from_response(failed.response) from None
    except (UpstreamUnavailable, UpstreamTimeout):
        raise ApiError(502, code="upstream_unavailable") from None


class Names:
    """People and organizations by id, as the org admin may see them."""

    def __init__(self) -> None:
        org_id = str(current_user.principal.org_id)
        self.people: dict[str, str] = {}
        self.orgs: dict[str, str] = {}
        with suppress(ApiError):  # names are a help; the log shows without them
            users = api.get(f"/organizations/{org_id}/users", limit=200)["items"]
            self.people = {u["id"]: u["name"] or u["email"] for u in users}
        with suppress(ApiError):
            self.orgs = {o["id"]: o["name"] for o in api.get("/directory")["items"]}

    def actor(self, entry: dict[str, Any]) -> str:
        if not entry.get("actor_id"):
            return str(_l("(system)"))
        name = self.people.get(entry["actor_id"])
        if name:
            return name
        org = self.orgs.get(entry.get("actor_org_id") or "")
        return str(_l("A person of %(org)s", org=org)) if org else str(_l("A person elsewhere"))

    def org(self, entry: dict[str, Any]) -> str:
        return self.orgs.get(entry.get("actor_org_id") or "", MISSING)


def describe(entry: dict[str, Any], names: Names) -> dict[str, Any]:
    """One entry as a person reads it: words and names, no ids."""
    action = AUDIT_ACTIONS.get(entry["action"], OTHER_ACTION)
    link = None
    target = LINKS.get(entry.get("resource_type") or "")
    if target and entry.get("resource_id"):
        link = url_for(target[0], **{target[1]: entry["resource_id"]})
    return {
        "at": entry["occurred_at"],
        "action": str(action),
        "resource": label(RESOURCE_TYPES, entry.get("resource_type")),
        "link": link,
        "actor": names.actor(entry),
        "org": names.org(entry),
        "purpose": label(PURPOSES, entry.get("purpose")) if entry.get("purpose") else "",
        "outcome": entry.get("outcome"),
        "outcome_label": label(AUDIT_OUTCOMES, entry.get("outcome")),
    }


def _guard() -> None:
    if not current_user.can(Perm.AUDIT_READ):
        raise ApiError(403, code="forbidden")


@bp.get("/audit")
@login_required
def audit_log() -> Any:
    _guard()
    form = _filters()
    page = _page(_params(form), request.args.get("cursor"), 50)
    names = Names()
    entries = [describe(e, names) for e in page["items"]]
    return render_template(
        "core/audit.html", page=page, entries=entries, form=form, people=names.people
    )


@bp.get("/audit.csv")
@login_required
def audit_csv() -> Response:
    _guard()
    params = _params(_filters())
    names = Names()
    header = [
        _l("Time (JST)"),
        _l("Action"),
        _l("Record"),
        _l("Person"),
        _l("Organization"),
        _l("Purpose"),
        _l("Result"),
        _l("Record ID"),
        _l("Request ID"),
    ]

    def rows() -> Iterator[list[Any]]:
        cursor = None
        for _ in range(EXPORT_PAGES):
            page = _page(params, cursor, 200)
            for entry in page["items"]:
                shown = describe(entry, names)
                yield [
                    format_jst(entry["occurred_at"]),
                    shown["action"],
                    shown["resource"],
                    shown["actor"],
                    shown["org"],
                    shown["purpose"],
                    shown["outcome_label"],
                    entry.get("resource_id") or "",
                    entry.get("request_id") or "",
                ]
            cursor = page["next_cursor"]
            if not cursor:
                break

    return csv_response("audit-log.csv", header, rows())
