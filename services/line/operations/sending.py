"""The sending worker: every queued delivery goes out by the reply API while its reply token
is fresh, else by the push API with its retry key; LINE's answer decides what happens next
(domain.sending.judge). It also reads each channel's monthly quota and consumption."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.audit import record_audit
from services.line.domain.sending import (
    Outcome,
    Verdict,
    backoff,
    judge,
    quota_warning,
    reply_token_usable,
)
from services.line.models import AuditEntry, Channel, Conversation, Delivery, LineUser, Message
from services.line.operations import LineDeps
from services.line.platform import Answer, Quota

log = logging.getLogger(__name__)

SEND_BATCH = 100


def send_due(factory: sessionmaker[Session], deps: LineDeps, limit: int = SEND_BATCH) -> int:
    """Send what is due, oldest first; how many went out."""
    now = deps.clock()
    with factory() as session:
        ids = list(
            session.scalars(
                sa.select(Delivery.id)
                .where(Delivery.status == "queued", Delivery.next_attempt_at <= now)
                .order_by(Delivery.next_attempt_at, Delivery.created_at)
                .limit(limit)
            )
        )
    sent = 0
    for delivery_id in ids:
        if not deps.limiter.try_acquire():
            break  # the rest wait for the next round
        with factory() as session:
            sent += send_one(session, deps, delivery_id)
    return sent


def send_one(session: Session, deps: LineDeps, delivery_id: uuid.UUID) -> int:
    delivery = session.scalar(
        sa.select(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "queued")
        .with_for_update(skip_locked=True)
    )
    if delivery is None:
        session.rollback()
        return 0
    message = session.get(Message, delivery.message_id)
    channel = session.get(Channel, delivery.channel_id)
    if message is None or channel is None or not message.text:
        _settle(delivery, message, "failed", "nothing to send")
        session.commit()
        return 0
    now = deps.clock()
    token = deps.box.open(channel.access_token_sealed)
    delivery.attempts += 1
    if reply_token_usable(delivery.reply_token, delivery.reply_token_at, now):
        assert delivery.reply_token is not None
        answer = deps.platform.reply(token, delivery.reply_token, [message.text])
        verdict = judge(answer.status, answer.message, via="reply", retry_after=answer.retry_after)
        if verdict.outcome is Outcome.SENT:
            delivery.via = "reply"
        elif verdict.outcome in (Outcome.REPLY_REFUSED, Outcome.RETRY, Outcome.REFUSED):
            # A reply token answers once, within the minute: never retry it, push instead.
            delivery.reply_token = None
            if delivery.reply_only:
                _settle(delivery, message, "expired", verdict.reason)
                session.commit()
                return 0
            delivery.next_attempt_at = now
            delivery.last_error = verdict.reason
            session.commit()
            return 0
    elif delivery.reply_only:
        # The out-of-hours answer is free or not at all: no push for it.
        _settle(delivery, message, "expired", "reply token no longer fresh")
        session.commit()
        return 0
    else:
        answer = _push(session, deps, token, delivery, message)
        verdict = judge(answer.status, answer.message, via="push", retry_after=answer.retry_after)
        delivery.via = "push"
    return _record(session, deps, channel, delivery, message, verdict, now)


def _push(
    session: Session, deps: LineDeps, token: str, delivery: Delivery, message: Message
) -> Answer:
    conversation = session.get(Conversation, delivery.conversation_id)
    user = session.get(LineUser, conversation.line_user_id) if conversation else None
    if user is None:
        return Answer(400, "no recipient")
    to = deps.box.open(user.line_user_id_sealed)
    return deps.platform.push(token, to, [message.text or ""], str(delivery.retry_key))


def _record(
    session: Session,
    deps: LineDeps,
    channel: Channel,
    delivery: Delivery,
    message: Message,
    verdict: Verdict,
    now: datetime,
) -> int:
    if verdict.outcome is Outcome.SENT:
        _settle(delivery, message, "sent", None)
        delivery.sent_at = now
        session.commit()
        return 1
    if verdict.outcome is Outcome.RETRY:
        delivery.last_error = verdict.reason
        delivery.next_attempt_at = now + backoff(delivery.attempts, verdict.retry_after)
        if verdict.retry_after is not None or verdict.reason == "rate limited":
            deps.limiter.pause(backoff(delivery.attempts, verdict.retry_after).total_seconds())
        session.commit()
        return 0
    if verdict.outcome is Outcome.OVER_QUOTA:
        # Held, not retried: only a new month or a bigger plan changes this answer.
        _settle(delivery, message, "over_quota", verdict.reason)
        record_audit(
            session,
            AuditEntry,
            action="line.quota.exceeded",
            resource_type="line_channel",
            resource_id=channel.id,
            org_id=channel.org_id,
            details={"delivery": str(delivery.id)},
        )
        session.commit()
        return 0
    _settle(delivery, message, "failed", verdict.reason)
    session.commit()
    return 0


def _settle(delivery: Delivery, message: Message | None, status: str, reason: str | None) -> None:
    delivery.status = status
    delivery.last_error = reason
    if message is not None:
        message.delivery = "sent" if status == "sent" else "failed"


def read_quotas(factory: sessionmaker[Session], deps: LineDeps) -> int:
    """Read every channel's monthly quota and consumption; warn (audit) at 80%."""
    with factory() as session:
        ids = list(session.scalars(sa.select(Channel.id)))
    read = 0
    for channel_id in ids:
        with factory() as session:
            channel = session.get(Channel, channel_id)
            if channel is None:
                continue
            result = deps.platform.quota(deps.box.open(channel.access_token_sealed))
            if not isinstance(result, Quota):
                log.warning("LINE quota not read", extra={"status": result.status})
                continue
            was_warning = quota_warning(channel.quota_value, channel.quota_consumed)
            channel.quota_type = result.type
            channel.quota_value = result.value
            channel.quota_consumed = result.consumed
            channel.quota_read_at = deps.clock()
            if quota_warning(result.value, result.consumed) and not was_warning:
                record_audit(
                    session,
                    AuditEntry,
                    action="line.quota.warning",
                    resource_type="line_channel",
                    resource_id=channel.id,
                    org_id=channel.org_id,
                    details={"quota": result.value, "consumed": result.consumed},
                )
            session.commit()
            read += 1
    return read
