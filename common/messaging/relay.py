"""The outbox relay: publishes what services recorded with :func:`record_event`.

One pass (:meth:`OutboxRelay.publish_pending`) reads unpublished outbox rows in ``seq`` order,
publishes each envelope (routing key = event type, persistent, confirmed) and stamps
``published_at``. The event is stamped only after the broker has it, so nothing is dropped;
a crash between publish and stamp publishes it again on the next pass. That duplicate is
accepted: consumers remember event ids and ignore it (at-least-once + idempotent consumers).

- PostgreSQL: rows are claimed with ``FOR UPDATE SKIP LOCKED`` inside the transaction that
  stamps them, so relay replicas never publish the same row concurrently.
- SQLite: the service database takes ``BEGIN IMMEDIATE`` for every transaction (common.db), so
  holding one open while publishing would block the service's writers; rows are read in one
  short transaction, published with none open, and stamped in another. Embedded mode runs one
  relay per service database; a second one would only cause duplicates.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from common.clock import utcnow
from common.messaging import topology
from common.messaging.backoff import Backoff
from common.messaging.broker import Publisher
from common.messaging.outbox import OutboxMixin

logger = logging.getLogger(__name__)

DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
)
"""The service database is down, locked or unreachable: wait and retry, drop nothing."""


class OutboxRelay:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        outbox_model: type[OutboxMixin],
        broker_url: str,
        namespace: str,
        poll_seconds: float = 0.05,
        batch_size: int = 200,
    ) -> None:
        self.session_factory = session_factory
        self.model: Any = outbox_model  # the mapped class; Any so column expressions type-check
        self.namespace = namespace
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.exchange = topology.events_exchange(namespace)
        # The publisher declares the whole topology whenever it (re)connects: RabbitMQ drops
        # events routed to queues that do not exist yet.
        self.publisher = Publisher(broker_url, namespace=namespace)

    def publish_pending(self) -> int:
        """Publish one batch of unpublished events in ``seq`` order; return how many.

        Raises the broker's or the database's error after stamping what was published before
        it, so the caller can back off and call again."""
        with self.session_factory() as session:
            if session.get_bind().dialect.name == "postgresql":
                return self._publish_claimed(session)
            return self._publish_unlocked(session)

    def _pending(self) -> sa.Select[Any]:
        model = self.model
        return (
            sa.select(model.seq, model.event_id, model.type, model.body)
            .where(model.published_at.is_(None))
            .order_by(model.seq)
            .limit(self.batch_size)
        )

    def _publish(self, row: Any) -> None:
        self.publisher.publish(
            row.body,
            exchange=self.exchange,
            routing_key=row.type,
            message_id=str(row.event_id),
        )

    def _publish_claimed(self, session: Session) -> int:
        with session.begin():
            rows = session.execute(self._pending().with_for_update(skip_locked=True)).all()
            done, failed, failure = self._publish_rows(rows)
            self._stamp(session, done, failed)
        if failure is not None:
            raise failure
        return len(done)

    def _publish_unlocked(self, session: Session) -> int:
        with session.begin():
            rows = session.execute(self._pending()).all()
        done, failed, failure = self._publish_rows(rows)
        if done or failed is not None:
            with session.begin():
                self._stamp(session, done, failed)
        if failure is not None:
            raise failure
        return len(done)

    def _publish_rows(
        self, rows: Sequence[sa.Row[Any]]
    ) -> tuple[list[int], int | None, BaseException | None]:
        """Publish in order until the first broker error: (published seqs, failed seq, error)."""
        done: list[int] = []
        for row in rows:
            try:
                self._publish(row)
            except self.publisher.errors as exc:
                return done, row.seq, exc
            done.append(row.seq)
        return done, None, None

    def _stamp(self, session: Session, done: list[int], failed: int | None) -> None:
        model = self.model
        if done:
            session.execute(
                sa.update(model).where(model.seq.in_(done)).values(published_at=utcnow())
            )
        if failed is not None:
            session.execute(
                sa.update(model).where(model.seq == failed).values(attempts=model.attempts + 1)
            )

    def prune_published(self, older_than: timedelta = timedelta(days=7)) -> int:
        """Delete rows published more than ``older_than`` ago, so the outbox stays small.

        Meant for a :class:`~common.messaging.worker.PeriodicTask`; keep ``older_than`` well
        above any replay window you may want from the outbox."""
        model = self.model
        with self.session_factory() as session, session.begin():
            result = session.execute(
                sa.delete(model).where(model.published_at < utcnow() - older_than)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    def run(self, stop: threading.Event) -> None:
        """Relay until ``stop`` is set. Broker or database down: back off (0.1 s doubling to
        1 s), reconnect and carry on from the first unstamped row; nothing is skipped."""
        backoff = Backoff(initial=0.1, maximum=1.0)
        failing = False
        logger.info("relay started", extra={"namespace": self.namespace})
        try:
            while not stop.is_set():
                try:
                    published = self.publish_pending()
                except (*self.publisher.errors, *DATABASE_ERRORS) as exc:
                    if not failing:
                        logger.warning("relay paused: %s", type(exc).__name__, exc_info=exc)
                    failing = True
                    stop.wait(backoff.next())
                    continue
                if failing:
                    logger.info("relay resumed")
                    failing = False
                backoff.reset()
                if published < self.batch_size:
                    self.publisher.heartbeat_check()
                    stop.wait(self.poll_seconds)
        finally:
            self.publisher.close()
            logger.info("relay stopped")
