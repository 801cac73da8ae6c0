"""The desk's conversations: the queue (highest risk, then longest waiting), reading one,
taking it (a cap of open conversations per counsellor), answering and closing. Counsellors
never see a LINE user id: a conversation is known by its own id."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.audit import record_audit
from common.errors import Conflict, Forbidden
from common.pagination import keyset_list
from common.permissions import Perm
from common.principal import Principal
from services.line import events
from services.line.domain.sending import reply_token_usable
from services.line.models import (
    AuditEntry,
    Channel,
    Conversation,
    Delivery,
    LineUser,
    Media,
    Message,
)
from services.line.operations import LineDeps
from services.line.operations.common import desk_conversation, iso
from services.line.schemas import AssignBody, CaseBody, CloseBody, ConversationQuery, MessageBody


def _summary(c: Conversation) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "channel_id": str(c.channel_id),
        "status": c.status,
        "risk": c.risk,
        "waiting_since": iso(c.waiting_since),
        "last_message_at": iso(c.last_message_at),
        "assigned_to": str(c.assigned_to) if c.assigned_to else None,
        "unread": c.unread,
        "out_of_hours": c.out_of_hours,
    }


def list_conversations(
    session: Session, principal: Principal, query: ConversationQuery
) -> dict[str, Any]:
    if principal.org_id is None or not principal.can(Perm.LINE_DESK_ANSWER):
        raise Forbidden("Only the desk's counsellors see its conversations")
    stmt = sa.select(Conversation).where(Conversation.org_id == principal.org_id)
    if query.status is not None:
        stmt = stmt.where(Conversation.status == query.status)
    order = [Conversation.risk_order, Conversation.queue_at, Conversation.id]
    return keyset_list(session, stmt, order, query.cursor, query.limit).as_dict(_summary)


def _message(m: Message, media: dict[uuid.UUID, Media]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": str(m.id),
        "direction": m.direction,
        "type": m.type,
        "text": m.text,
        "at": iso(m.at),
        "by": str(m.by) if m.by else None,
        "redacted": m.redacted_at is not None,
    }
    if m.direction == "out":
        item["delivery"] = m.delivery
        item["system"] = bool(m.details.get("system"))
    elif m.details and m.redacted_at is None:
        # Sticker ids, a file's name, postback data: never anything that names the user.
        item["details"] = m.details
    stored = media.get(m.id)
    if stored is not None:
        item["media"] = {
            "status": stored.status,
            "content_type": stored.content_type,
            "size": stored.size,
        }
    return item


def get_conversation(
    session: Session, principal: Principal, conversation_id: uuid.UUID
) -> dict[str, Any]:
    conversation = desk_conversation(session, principal, conversation_id)
    messages = list(
        session.scalars(
            sa.select(Message)
            .where(Message.conversation_id == conversation.id)
            .order_by(Message.at, Message.direction)
        )
    )
    media = {
        m.message_id: m
        for m in session.scalars(
            sa.select(Media).where(Media.message_id.in_([m.id for m in messages]))
        )
    }
    if conversation.assigned_to == principal.user_id:
        conversation.unread = 0
    record_audit(
        session,
        AuditEntry,
        action="line.conversation.read",
        resource_type="line_conversation",
        resource_id=conversation.id,
        principal=principal,
    )
    session.commit()
    return _summary(conversation) | {
        "case_id": str(conversation.case_id) if conversation.case_id else None,
        "summary": conversation.summary,
        "opened_at": iso(conversation.opened_at),
        "closed_at": iso(conversation.closed_at),
        "messages": [_message(m, media) for m in messages],
    }


def assign(
    session: Session, principal: Principal, conversation_id: uuid.UUID, body: AssignBody
) -> dict[str, Any]:
    conversation = desk_conversation(session, principal, conversation_id, lock=True)
    if conversation.status == "closed":
        raise Conflict("The conversation is closed", code="conversation_closed")
    assignee = body.user_id or principal.user_id
    if conversation.assigned_to != assignee:
        channel = session.get(Channel, conversation.channel_id)
        cap = channel.assignment_cap if channel is not None else 2
        holding = session.scalar(
            sa.select(sa.func.count())
            .select_from(Conversation)
            .where(
                Conversation.org_id == conversation.org_id,
                Conversation.assigned_to == assignee,
                Conversation.status == "open",
            )
        )
        if (holding or 0) >= cap:
            raise Conflict(
                f"This counsellor already holds {cap} open conversations", code="assignment_cap"
            )
    conversation.assigned_to = assignee
    conversation.status = "open"
    record_audit(
        session,
        AuditEntry,
        action="line.conversation.assign",
        resource_type="line_conversation",
        resource_id=conversation.id,
        principal=principal,
        details={"assigned_to": str(assignee)},
    )
    session.commit()
    return _summary(conversation)


def _assignee_only(principal: Principal, conversation: Conversation) -> None:
    if conversation.assigned_to != principal.user_id:
        raise Forbidden("Only the counsellor who holds the conversation may do this")


def send_message(
    session: Session,
    principal: Principal,
    deps: LineDeps,
    conversation_id: uuid.UUID,
    body: MessageBody,
) -> dict[str, Any]:
    """Queue the counsellor's answer (the sending worker delivers it): by the reply API while
    the newest reply token is fresh, else by push."""
    conversation = desk_conversation(session, principal, conversation_id, lock=True)
    _assignee_only(principal, conversation)
    if conversation.status == "closed":
        raise Conflict("The conversation is closed", code="conversation_closed")
    now = deps.clock()
    message = Message(
        id=uuid.uuid4(),
        conversation_id=conversation.id,
        channel_id=conversation.channel_id,
        direction="out",
        type="text",
        text=body.text,
        details={},
        at=now,
        by=principal.user_id,
        delivery="queued",
    )
    session.add(message)
    session.flush()
    fresh = reply_token_usable(conversation.reply_token, conversation.reply_token_at, now)
    session.add(
        Delivery(
            channel_id=conversation.channel_id,
            conversation_id=conversation.id,
            message_id=message.id,
            reply_token=conversation.reply_token if fresh else None,
            reply_token_at=conversation.reply_token_at if fresh else None,
            next_attempt_at=now,
            created_at=now,
        )
    )
    conversation.reply_token = None  # a reply token answers once
    conversation.waiting_since = None  # answered: the next inbound message starts a new wait
    conversation.out_of_hours = False
    conversation.unread = 0
    record_audit(
        session,
        AuditEntry,
        action="line.message.send",
        resource_type="line_conversation",
        resource_id=conversation.id,
        principal=principal,
        details={"message": str(message.id)},
    )
    session.commit()
    return _message(message, {})


ANONYMOUS_NAME = "LINE相談（匿名）"


def open_case(
    session: Session,
    principal: Principal,
    deps: LineDeps,
    token: str,
    conversation_id: uuid.UUID,
    body: CaseBody,
) -> dict[str, Any]:
    """A case in the desk's organization whose first contact is this conversation (channel
    ``line``), opened by the cases service on the counsellor's behalf; the conversation is
    locked meanwhile, so a double click opens one case."""
    conversation = desk_conversation(session, principal, conversation_id, lock=True)
    _assignee_only(principal, conversation)
    if conversation.case_id is not None:
        raise Conflict(
            f"A case was already opened from this conversation: {conversation.case_id}",
            code="case_exists",
        )
    case_id = deps.cases.open_case(
        token,
        {
            "person": {
                "display_name": body.display_name or ANONYMOUS_NAME,
                "anonymous": body.display_name is None,
            },
            "first_contact": {
                "channel": "line",
                "by": body.by,
                "occurred_at": conversation.opened_at.isoformat(),
            },
        },
    )
    conversation.case_id = case_id
    record_audit(
        session,
        AuditEntry,
        action="line.conversation.case",
        resource_type="line_conversation",
        resource_id=conversation.id,
        principal=principal,
        details={"case": str(case_id)},
    )
    session.commit()
    return {"case_id": str(case_id), "conversation_id": str(conversation.id)}


def close(
    session: Session,
    principal: Principal,
    deps: LineDeps,
    conversation_id: uuid.UUID,
    body: CloseBody,
) -> dict[str, Any]:
    conversation = desk_conversation(session, principal, conversation_id, lock=True)
    _assignee_only(principal, conversation)
    if conversation.status == "closed":
        raise Conflict("The conversation is already closed", code="conversation_closed")
    conversation.status = "closed"
    conversation.closed_at = deps.clock()
    conversation.summary = body.summary
    conversation.waiting_since = None
    counts = dict(
        session.execute(
            sa.select(Message.direction, sa.func.count())
            .where(Message.conversation_id == conversation.id, Message.by.is_not(None))
            .group_by(Message.direction)
        ).all()
    )
    inbound = session.scalar(
        sa.select(sa.func.count())
        .select_from(Message)
        .where(Message.conversation_id == conversation.id, Message.direction == "in")
    )
    channel = session.get(Channel, conversation.channel_id)
    user = session.get(LineUser, conversation.line_user_id)
    if channel is not None and user is not None:
        events.conversation_closed(
            session,
            channel,
            user.user_hash,
            conversation,
            messages_in=int(inbound or 0),
            messages_out=int(counts.get("out", 0)),
            actor_id=principal.user_id,
        )
    record_audit(
        session,
        AuditEntry,
        action="line.conversation.close",
        resource_type="line_conversation",
        resource_id=conversation.id,
        principal=principal,
    )
    session.commit()
    return _summary(conversation) | {"closed_at": iso(conversation.closed_at)}
