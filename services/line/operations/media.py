"""Media a LINE user sent (images, video, audio, files) is downloaded into our own store
promptly: LINE deletes it after a while, and consultation content is kept by the operator,
not on LINE (LINE's guidance to local governments, 2021)."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from services.line.domain.sending import backoff
from services.line.models import Channel, Media
from services.line.operations import LineDeps

log = logging.getLogger(__name__)

MEDIA_BATCH = 20
MAX_MEDIA_ATTEMPTS = 12
"""About an hour of backoff (2 s … 5 min): LINE keeps content for days, not hours, but a
file that fails a dozen times is broken, not late."""
MAX_MEDIA_BYTES = 200 * 1024 * 1024


def fetch_due(factory: sessionmaker[Session], deps: LineDeps, limit: int = MEDIA_BATCH) -> int:
    now = deps.clock()
    with factory() as session:
        ids = list(
            session.scalars(
                sa.select(Media.id)
                .where(Media.status == "pending", Media.next_attempt_at <= now)
                .order_by(Media.next_attempt_at)
                .limit(limit)
            )
        )
    stored = 0
    for media_id in ids:
        with factory() as session:
            stored += fetch_one(session, deps, media_id)
    return stored


def fetch_one(session: Session, deps: LineDeps, media_id: object) -> int:
    media = session.scalar(
        sa.select(Media)
        .where(Media.id == media_id, Media.status == "pending")
        .with_for_update(skip_locked=True)
    )
    if media is None:
        session.rollback()
        return 0
    channel = session.get(Channel, media.channel_id)
    if channel is None:
        media.status = "failed"
        session.commit()
        return 0
    media.attempts += 1
    answer = deps.platform.content(
        deps.box.open(channel.access_token_sealed), media.line_message_id
    )
    now = deps.clock()
    if answer.status == 200 and len(answer.body) <= MAX_MEDIA_BYTES:
        media.content = answer.body
        media.size = len(answer.body)
        media.sha256 = hashlib.sha256(answer.body).hexdigest()
        media.content_type = (answer.content_type or "application/octet-stream")[:100]
        media.status = "stored"
        media.fetched_at = now
        session.commit()
        return 1
    retryable = answer.status in (0, 202, 408, 429) or answer.status >= 500
    if not retryable or media.attempts >= MAX_MEDIA_ATTEMPTS:
        # 202: LINE is still preparing a video; 404/410: gone for good.
        media.status = "failed"
        log.warning("LINE media not stored", extra={"status": answer.status})
    else:
        media.next_attempt_at = now + max(backoff(media.attempts), timedelta(seconds=1))
    session.commit()
    return 0
