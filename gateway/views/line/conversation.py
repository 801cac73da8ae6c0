"""One LINE conversation: the messages as a chat (the person's on the left, the desk's on
the right, JST times), taking it, answering (only the counsellor who holds it) and closing
it with a summary. The LINE user is known only by the conversation: the service never
gives the LINE user id, and the page shows no id at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from gateway import apiclient as api
from gateway.apiclient import ApiError
from gateway.forms import Form
from gateway.views.line import bp, line_form
from gateway.views.line.common import counsellor, counsellor_names
from gateway.views.line.labels import (
    CAP_REACHED,
    DELIVERY,
    MESSAGE_TYPES,
    ONLY_HOLDER,
    REFUSALS,
    RISK,
    STATUS,
)

POLL_MILLISECONDS = 3000


def _forms() -> dict[str, Form]:
    return {
        "take": line_form("take", (), prefix="take"),
        "reply": line_form("reply", ("text",), prefix="reply"),
        "close": line_form("close", ("summary",), prefix="close"),
    }


def _page(conversation_id: Any, forms: dict[str, Form] | None = None) -> tuple[str, int]:
    forms = forms or _forms()
    conversation = api.get(f"/line/conversations/{conversation_id}")
    names = counsellor_names()
    me = str(current_user.principal.user_id)
    status = max((f.status for f in forms.values()), default=200)
    return (
        render_template(
            "line/conversation.html",
            c=conversation,
            messages=_messages(conversation, names),
            holder=counsellor(conversation.get("assigned_to"), names),
            mine=conversation.get("assigned_to") == me,
            forms=forms,
            statuses=STATUS,
            risks=RISK,
            poll=POLL_MILLISECONDS,
        ),
        status,
    )


def _messages(conversation: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    shown = []
    for message in conversation.get("messages") or []:
        shown.append(
            message
            | {
                "type_label": MESSAGE_TYPES.get(message.get("type") or "", _l("Other message")),
                "delivery_label": DELIVERY.get(message.get("delivery") or ""),
                "author": counsellor(message.get("by"), names) if message.get("by") else None,
            }
        )
    return shown


@bp.route("/conversations/<uuid:conversation_id>")
@login_required
def conversation(conversation_id: Any) -> Any:
    return _page(conversation_id)


@bp.route("/conversations/<uuid:conversation_id>/messages.json")
@login_required
def conversation_json(conversation_id: Any) -> ResponseReturnValue:
    """The chat, rendered as on the page, for the page's script to swap in."""
    conversation = api.get(f"/line/conversations/{conversation_id}")
    names = counsellor_names()
    body = render_template("line/_messages.html", messages=_messages(conversation, names))
    answer = jsonify(
        count=len(conversation.get("messages") or []),
        status=conversation.get("status"),
        html=body,
    )
    answer.headers["Cache-Control"] = "no-store"
    return answer


def _my_open_count() -> int:
    """How many conversations I hold open: the cap I reached when taking one was refused."""
    try:
        items = api.get("/line/conversations", status="open", limit=200)["items"]
    except ApiError:
        return 0
    me = str(current_user.principal.user_id)
    return sum(1 for item in items if item.get("assigned_to") == me)


@bp.route("/conversations/<uuid:conversation_id>/take", methods=["POST"])
@login_required
def take(conversation_id: Any) -> Any:
    forms = _forms()
    form = forms["take"]
    form.submitted = True
    try:
        api.post(f"/line/conversations/{conversation_id}/assign", {})
    except ApiError as error:
        if error.status != 409:
            raise
        if error.code == "assignment_cap":
            held = _my_open_count()
            form.error(
                "_", str(CAP_REACHED) % {"cap": held} if held else REFUSALS["assignment_cap"]
            )
        else:
            form.refuse(error)
        page, _status = _page(conversation_id, forms)
        return page, 409
    flash(_l("You are now answering this conversation."), "success")
    return redirect(url_for("line.conversation", conversation_id=conversation_id) + "#reply")


def _holder_only(form: Form, call: Callable[[], Any]) -> None:
    """Run a holder's action; a refusal stays on the form with what was typed. A 403 means
    the conversation is held by someone else (it may have been taken over meanwhile)."""
    try:
        form.submit(call, refusable=(422, 409))
    except ApiError as error:
        if error.status != 403:
            raise
        form.error("_", ONLY_HOLDER)


@bp.route("/conversations/<uuid:conversation_id>/reply", methods=["POST"])
@login_required
def reply(conversation_id: Any) -> Any:
    forms = _forms()
    form = forms["reply"].read()
    if not form.get("text"):
        form.error("text", _l("Write the reply first."))
    _holder_only(
        form,
        lambda: api.post(f"/line/conversations/{conversation_id}/messages", form.text("text")),
    )
    if form.failed:
        return _page(conversation_id, forms)
    flash(_l("The reply is on its way to LINE."), "success")
    return redirect(url_for("line.conversation", conversation_id=conversation_id) + "#reply")


@bp.route("/conversations/<uuid:conversation_id>/close", methods=["POST"])
@login_required
def close(conversation_id: Any) -> Any:
    forms = _forms()
    form = forms["close"].read()
    _holder_only(
        form, lambda: api.post(f"/line/conversations/{conversation_id}/close", form.text("summary"))
    )
    if form.failed:
        return _page(conversation_id, forms)
    flash(_l("The conversation is closed."), "success")
    return redirect(url_for("line.queue", status="waiting"))
