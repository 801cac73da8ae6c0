"""Transactional outbox and the consumer's memory of processed events.

A service declares, in its models module::

    class OutboxEvent(OutboxMixin, Base): pass
    class ProcessedEvent(ProcessedEventMixin, Base): pass

and announces a state change by calling :func:`record_event` with the same
session that makes the change, so that both commit together or not at all. The
relay (``common.messaging.relay``) publishes rows in ``seq`` order and stamps
``published_at``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from common.clock import utcnow
from common.messaging.envelope import Event


class OutboxMixin:
    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    """Insert-ordered sequence; the relay publishes in this order. On PostgreSQL a transaction
    that commits late can carry a lower seq than one already published: nothing is skipped
    (the relay selects every unpublished row), but order across transactions is not promised."""
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), unique=True)
    type: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[str] = mapped_column(sa.Text())
    """The JSON envelope, exactly as it will be published."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)


class ProcessedEventMixin:
    __tablename__ = "processed_events"

    consumer: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(64))
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


PROCESSED_KEPT = timedelta(days=30)
"""How long a consumer remembers an event it applied. Far longer than any path that delivers
an event again: the broker redelivers an unsettled message within its visibility timeout, and
the relay republishes only unpublished outbox rows (published ones are kept 7 days). A
dead-lettered event was never recorded as applied, so replaying it later is unaffected."""


def prune_processed(
    session: Session,
    model: type[ProcessedEventMixin],
    now: datetime,
    kept: timedelta = PROCESSED_KEPT,
) -> int:
    """Forget events applied more than ``kept`` before ``now``; a recent one stays known, so
    its redelivery is still recognised and skipped."""
    table: Any = model
    result = session.execute(sa.delete(table).where(table.processed_at < now - kept))
    session.commit()
    return int(cast(Any, result).rowcount or 0)


def record_event(session: Session, model: type[OutboxMixin], event: Event) -> Event:
    """Add ``event`` to the outbox in the caller's transaction."""
    factory: Any = model  # a mapped subclass; the mixin itself declares no constructor
    session.add(factory(event_id=event.id, type=event.type, body=event.to_json()))
    return event
