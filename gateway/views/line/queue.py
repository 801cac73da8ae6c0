"""The desk's queue: waiting, in-progress and closed LINE conversations, highest risk and
longest waiting first (the service's order), with who holds each and how long the person
has waited. The page refreshes its rows every two seconds from ``queue.json`` when
JavaScript runs (static/line/line.js); without it, the page is complete and a reload
refreshes it."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from gateway import apiclient as api
from gateway.views.line import bp
from gateway.views.line.common import counsellor_names, shaped
from gateway.views.line.labels import RISK, STATUS

TABS = ("waiting", "open", "closed")
POLL_MILLISECONDS = 2000


def _status() -> str:
    status = request.args.get("status", "waiting")
    return status if status in TABS else "waiting"


def _rows(status: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    params: dict[str, Any] = {"status": status}
    if request.args.get("cursor"):
        params["cursor"] = request.args["cursor"]
    page = api.get("/line/conversations", **params)
    names = counsellor_names()
    return [shaped(item, names) for item in page["items"]], page


@bp.route("/queue")
@login_required
def queue() -> Any:
    status = _status()
    rows, page = _rows(status)
    return render_template(
        "line/queue.html",
        rows=rows,
        page=page,
        status=status,
        tabs=TABS,
        statuses=STATUS,
        risks=RISK,
        poll=POLL_MILLISECONDS,
    )


@bp.route("/queue.json")
@login_required
def queue_json() -> ResponseReturnValue:
    """The rows of one tab, rendered as on the page, for the page's script to swap in."""
    status = _status()
    rows, page = _rows(status)
    body = render_template("line/_queue_rows.html", rows=rows, status=status, risks=RISK)
    answer = jsonify(status=status, count=len(rows), html=body, more=bool(page.get("next_cursor")))
    answer.headers["Cache-Control"] = "no-store"
    return answer
