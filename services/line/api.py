"""The LINE service's HTTP API: the webhook (public, signed by LINE), channels, and the
desk's conversations. Thin views: parse, call one operation, shape JSON."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, jsonify, request

from common.errors import Unauthenticated
from common.http.audit_api import add_audit_route
from common.http.openapi import endpoint, page_of
from common.http.problems import problem_response
from common.http.service import bearer_token, current_principal, db
from common.service import dependencies
from services.line.domain.webhook import MAX_WEBHOOK_BYTES
from services.line.models import AuditEntry
from services.line.operations import LineDeps, channels, conversations, intake
from services.line.responses import (
    CaseOpened,
    ChannelAnswer,
    ClosedConversation,
    ConversationDetail,
    ConversationSummary,
    FriendsAnswer,
    MessageAnswer,
    WebhookStored,
)
from services.line.schemas import (
    AssignBody,
    CaseBody,
    ChannelCreate,
    ChannelPatch,
    ChannelQuery,
    CloseBody,
    ConversationQuery,
    FriendsQuery,
    MessageBody,
)

bp = Blueprint("line", __name__)
TAGS = ("line",)
SIGNATURE_HEADER = "X-Line-Signature"


def _deps() -> LineDeps:
    return dependencies(LineDeps)


# --- the webhook -------------------------------------------------------------------------


@bp.post("/line/webhook/<uuid:channel_id>")
@endpoint(
    "LINE's webhook: verified by X-Line-Signature over the raw body, stored, answered at once",
    public=True,
    tags=("webhook",),
    response=WebhookStored,
)
def webhook(channel_id: uuid.UUID) -> Response:
    length = request.content_length
    if length is not None and length > MAX_WEBHOOK_BYTES:
        return _too_large()
    body = request.stream.read(MAX_WEBHOOK_BYTES + 1)
    if len(body) > MAX_WEBHOOK_BYTES:
        return _too_large()
    stored = intake.receive_webhook(
        db(), _deps(), channel_id, body, request.headers.get(SIGNATURE_HEADER)
    )
    return jsonify(stored=stored)


def _too_large() -> Response:
    return problem_response(
        413, "Payload too large", "A webhook body may not exceed 1 MiB.", code="body_too_large"
    )


# --- channels ----------------------------------------------------------------------------


@bp.post("/line/channels")
@endpoint(
    "Register an organization's LINE channel (its org admin, or a consortium admin)",
    body=ChannelCreate,
    status=201,
    tags=TAGS,
    response=ChannelAnswer,
)
def create_channel(body: ChannelCreate) -> tuple[Response, int]:
    return jsonify(channels.create_channel(db(), current_principal(), _deps(), body)), 201


@bp.get("/line/channels")
@endpoint(
    "The LINE channels I manage, without secrets",
    query=ChannelQuery,
    tags=TAGS,
    response=page_of(ChannelAnswer),
)
def list_channels(query: ChannelQuery) -> Response:
    return jsonify(channels.list_channels(db(), current_principal(), _deps(), query))


@bp.get("/line/channels/<uuid:channel_id>")
@endpoint(
    "One LINE channel, its hours and this month's spending", tags=TAGS, response=ChannelAnswer
)
def get_channel(channel_id: uuid.UUID) -> Response:
    return jsonify(channels.get_channel(db(), current_principal(), _deps(), channel_id))


@bp.patch("/line/channels/<uuid:channel_id>")
@endpoint(
    "Rename, change hours or the out-of-hours message, rotate the secret or the token",
    body=ChannelPatch,
    tags=TAGS,
    response=ChannelAnswer,
)
def update_channel(channel_id: uuid.UUID, body: ChannelPatch) -> Response:
    return jsonify(channels.update_channel(db(), current_principal(), _deps(), channel_id, body))


@bp.get("/line/channels/<uuid:channel_id>/friends")
@endpoint(
    "A fiscal year's friends: new friends (each LINE user once), re-follows, blocks",
    query=FriendsQuery,
    tags=TAGS,
    response=FriendsAnswer,
)
def channel_friends(channel_id: uuid.UUID, query: FriendsQuery) -> Response:
    return jsonify(channels.friends(db(), current_principal(), channel_id, query.fiscal_year))


# --- the desk's conversations -------------------------------------------------------------


@bp.get("/line/conversations")
@endpoint(
    "The desk's conversations, highest risk and longest waiting first",
    query=ConversationQuery,
    tags=TAGS,
    response=page_of(ConversationSummary),
)
def list_conversations(query: ConversationQuery) -> Response:
    return jsonify(conversations.list_conversations(db(), current_principal(), query))


@bp.get("/line/conversations/<uuid:conversation_id>")
@endpoint(
    "One conversation and its messages (never the LINE user id)",
    tags=TAGS,
    response=ConversationDetail,
)
def get_conversation(conversation_id: uuid.UUID) -> Response:
    return jsonify(conversations.get_conversation(db(), current_principal(), conversation_id))


@bp.post("/line/conversations/<uuid:conversation_id>/assign")
@endpoint(
    "Take a conversation (or give it to a colleague)",
    body=AssignBody,
    tags=TAGS,
    response=ConversationSummary,
)
def assign(conversation_id: uuid.UUID, body: AssignBody) -> Response:
    return jsonify(conversations.assign(db(), current_principal(), conversation_id, body))


@bp.post("/line/conversations/<uuid:conversation_id>/messages")
@endpoint(
    "Answer the LINE user (the assignee only)",
    body=MessageBody,
    status=201,
    tags=TAGS,
    response=MessageAnswer,
)
def send_message(conversation_id: uuid.UUID, body: MessageBody) -> tuple[Response, int]:
    answer = conversations.send_message(db(), current_principal(), _deps(), conversation_id, body)
    return jsonify(answer), 201


@bp.post("/line/conversations/<uuid:conversation_id>/close")
@endpoint(
    "Close a conversation (the assignee only)",
    body=CloseBody,
    tags=TAGS,
    response=ClosedConversation,
)
def close_conversation(conversation_id: uuid.UUID, body: CloseBody) -> Response:
    return jsonify(conversations.close(db(), current_principal(), _deps(), conversation_id, body))


@bp.post("/line/conversations/<uuid:conversation_id>/case")
@endpoint(
    "Open a case in the desk's organization from this conversation (the assignee only)",
    body=CaseBody,
    status=201,
    tags=TAGS,
    response=CaseOpened,
)
def open_case(conversation_id: uuid.UUID, body: CaseBody) -> tuple[Response, int]:
    token = bearer_token()
    if token is None:  # the skeleton has verified one already; this only satisfies the type
        raise Unauthenticated()
    answer = conversations.open_case(
        db(), current_principal(), _deps(), token, conversation_id, body
    )
    return jsonify(answer), 201


add_audit_route(
    bp,
    AuditEntry,
    summary="My organization's LINE desk audit log (org admin); ?format=csv exports it",
    export_name="line-audit.csv",
    tags=TAGS,
)
