"""The idempotent event consumer of one service (STYLE habit 6; eventsourcing's tracking row).

Delivery is at least once (the relay may publish twice, a lease may expire, a consumer may die
between commit and ack), so the effect is made exactly once here: the ``ProcessedEvent``
row (consumer, event id) and the handler's changes commit in ONE transaction, and a second
delivery of the same id hits the primary key and changes nothing. The message is acked only
after that commit.

What happens to a message:

- not a valid envelope, or data its handler cannot use (``UnusableEvent``) → dead-letter queue
  at once (retrying cannot help);
- a type this service has no handler for → ack and ignore;
- applied (or already applied before) → ack;
- the database is unreachable, locked or failing over (infrastructure) → back off and requeue,
  without limit: the event is fine, the service is not;
- the handler raised → the message is *parked* (kept unacked, beside the flow) for its
  backoff while the consumer goes on with the messages behind it, then republished to the
  back of the queue with an attempt count in a header and the original acked; after
  ``max_attempts`` → dead-letter queue, with the error text in its headers. Retrying one
  message never stalls the others (issue 13: ten refused events once delayed every real one
  to p50 19 s). At most ``max_parked`` messages wait at once (the channel's prefetch has room
  for them beside ``prefetch``); past that a failed message is republished at once.

Nothing in a message can end the consume loop: whatever fails while the envelope is read is
a malformed message.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any

import kombu
from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock, utcnow
from common.errors import UnusableEvent
from common.messaging import topology
from common.messaging.backoff import Backoff, delay_for_attempt
from common.messaging.broker import Publisher, broker_errors, connect, open_connection
from common.messaging.envelope import Event, MalformedEvent
from common.messaging.outbox import ProcessedEventMixin

logger = logging.getLogger(__name__)

Handler = Callable[[Session, Event], None]
"""Applies one event inside the consumer's transaction; raise to refuse it (it is retried)."""

ATTEMPTS_HEADER = "x-tsunagu-attempts"
"""Failed handler attempts so far, carried on the republished copy."""
ROUTING_KEY_HEADER = "x-tsunagu-routing-key"
"""The event's original routing key: a retried copy travels by queue name instead."""
ERROR_HEADER = "x-tsunagu-error"
QUEUE_HEADER = "x-tsunagu-queue"
CONSUMER_HEADER = "x-tsunagu-consumer"
FAILED_AT_HEADER = "x-tsunagu-failed-at"
MAX_ERROR_CHARS = 4000

DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
)


def _is_infrastructure_error(exc: BaseException) -> bool:
    if isinstance(exc, DATABASE_ERRORS):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        session_factory: sessionmaker[Session],
        processed_model: type[ProcessedEventMixin],
        handlers: Mapping[str, Handler],
        broker_url: str,
        namespace: str,
        poll_seconds: float = 0.05,
        prefetch: int = 20,
        max_attempts: int = 5,
        visibility_timeout: float = 30.0,
        retry_backoff_seconds: float = 0.5,
        max_retry_backoff_seconds: float = 10.0,
        clock: Clock = utcnow,
    ) -> None:
        if name not in topology.SUBSCRIPTIONS:
            raise ValueError(f"{name!r} has no queue in common.messaging.topology")
        unbound = set(handlers) - set(topology.bindings(name))
        if unbound:
            # A handler for a type the queue is not bound to would silently never run.
            raise ValueError(f"{name} handles {sorted(unbound)} but its queue is not bound to them")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.name = name
        self.session_factory = session_factory
        self.processed_model: Any = processed_model
        self.clock = clock
        """Stamps ``processed_at``, which the pruning of processed events compares."""
        self.handlers = dict(handlers)
        self.broker_url = broker_url
        self.namespace = namespace
        self.poll_seconds = poll_seconds
        self.prefetch = prefetch
        self.max_attempts = max_attempts
        self.visibility_timeout = visibility_timeout
        self.retry_backoff_seconds = retry_backoff_seconds
        self.max_retry_backoff_seconds = max_retry_backoff_seconds
        self.queue_name = topology.service_queue(namespace, name).name
        self.drain_timeout = 0.25
        """How often the consume loop looks at its stop event while the queue is idle."""
        self.publisher = Publisher(broker_url)
        self._infrastructure_backoff = Backoff(initial=0.1, maximum=5.0)
        self._stop = threading.Event()
        self.max_parked = prefetch
        self._parked: list[tuple[float, int, Any, dict[str, Any]]] = []
        """(due, sequence, message, headers of its retry): a heap, soonest first."""
        self._sequence = itertools.count()

    # -- applying ---------------------------------------------------------------------------

    def apply(self, event: Event) -> bool:
        """Apply ``event`` exactly once: True if applied now, False if it had been already
        (or this consumer has no handler for its type). Handler errors propagate."""
        handler = self.handlers.get(event.type)
        if handler is None:
            return False
        with self.session_factory() as session:
            try:
                with session.begin():
                    # The tracking row goes first, so a duplicate fails before the handler runs.
                    session.add(
                        self.processed_model(
                            consumer=self.name,
                            event_id=event.id,
                            event_type=event.type,
                            processed_at=self.clock(),
                        )
                    )
                    session.flush()
                    handler(session, event)
            except sa_exc.IntegrityError:
                # Either this event was applied already (perhaps by a concurrent consumer whose
                # commit we waited for), or the handler broke a constraint: look which.
                if self._already_processed(event):
                    return False
                raise
        return True

    def _already_processed(self, event: Event) -> bool:
        model = self.processed_model
        with self.session_factory() as session, session.begin():
            found = session.scalar(
                select(model.event_id).where(
                    model.consumer == self.name, model.event_id == event.id
                )
            )
        return found is not None

    # -- one message ------------------------------------------------------------------------

    def handle_message(self, message: Any) -> None:
        """Settle one delivered kombu message (ack, requeue, retry or dead-letter).

        Broker errors propagate: the message is then redelivered after the reconnect."""
        try:
            event = Event.from_json(message.body)
        except Exception as exc:  # whatever the body holds, it must not end the consumer
            reason = str(exc) if isinstance(exc, MalformedEvent) else repr(exc)
            logger.error("malformed event dead-lettered", extra={"error": reason})
            self._dead_letter(message, f"MalformedEvent: {reason}", attempts=0)
            return
        if event.type not in self.handlers:
            message.ack()
            return
        headers = message.headers or {}
        attempts = int(headers.get(ATTEMPTS_HEADER, 0) or 0)
        log = {"event_id": str(event.id), "event_type": event.type, "consumer": self.name}
        try:
            applied = self.apply(event)
        except UnusableEvent as exc:
            # The data cannot fit whatever the retries: dead-letter it now, with the reason.
            logger.error("unusable event dead-lettered", extra={**log, "error": str(exc)})
            self._dead_letter(message, f"UnusableEvent: {exc}", attempts=attempts)
            return
        except Exception as exc:
            if _is_infrastructure_error(exc):
                delay = self._infrastructure_backoff.next()
                logger.warning("database unavailable; requeueing", extra=log, exc_info=exc)
                self._stop.wait(delay)
                message.requeue()
                return
            attempts += 1
            error = "".join(traceback.format_exception_only(exc)).strip()
            if attempts >= self.max_attempts:
                logger.error("handler failed; dead-lettered", extra={**log, "attempts": attempts})
                self._dead_letter(message, error, attempts=attempts)
                return
            logger.warning("handler failed; will retry", extra={**log, "attempts": attempts})
            retry = {ATTEMPTS_HEADER: attempts, ERROR_HEADER: error[:200]}
            if len(self._parked) >= self.max_parked:
                self._republish(message, retry)
                return
            delay = delay_for_attempt(
                attempts, self.retry_backoff_seconds, self.max_retry_backoff_seconds
            )
            # Within half the lease, so that the embedded broker does not hand it out again.
            due = time.monotonic() + min(delay, self.visibility_timeout / 2)
            heapq.heappush(self._parked, (due, next(self._sequence), message, retry))
            return
        self._infrastructure_backoff.reset()
        message.ack()
        if applied:
            logger.debug("event applied", extra=log)

    def retry_due(self) -> None:
        """Republish the parked messages whose backoff has passed."""
        now = time.monotonic()
        while self._parked and self._parked[0][0] <= now:
            _due, _seq, message, retry = heapq.heappop(self._parked)
            self._republish(message, retry)

    def _unpark_all(self, *, requeue: bool) -> None:
        """At a stop, parked messages go back unchanged (their attempt not spent); after a
        lost connection they are the broker's again already, so they are only forgotten."""
        parked, self._parked = self._parked, []
        if requeue:
            for _due, _seq, message, _retry in parked:
                with suppress(Exception):
                    message.requeue()

    def _original_routing_key(self, message: Any) -> str:
        headers = message.headers or {}
        return str(headers.get(ROUTING_KEY_HEADER) or message.delivery_info.get("routing_key"))

    def _copy_headers(self, message: Any, extra: Mapping[str, Any]) -> dict[str, Any]:
        headers = dict(message.headers or {})
        headers[ROUTING_KEY_HEADER] = self._original_routing_key(message)
        headers.update(extra)
        return headers

    def _republish(self, message: Any, extra: Mapping[str, Any]) -> None:
        """Back of this service's queue only (default exchange, queue name as routing key), so
        other services never see the retry. Publish first, then ack: a crash in between gives
        a duplicate, never a loss."""
        self.publisher.publish(
            message.body,
            exchange="",
            routing_key=self.queue_name,
            headers=self._copy_headers(message, extra),
            message_id=message.properties.get("message_id"),
            content_type=message.content_type or "application/json",
            content_encoding=message.content_encoding or "utf-8",
        )
        message.ack()

    def _dead_letter(self, message: Any, error: str, *, attempts: int) -> None:
        headers = self._copy_headers(
            message,
            {
                ERROR_HEADER: error[:MAX_ERROR_CHARS],
                ATTEMPTS_HEADER: attempts,
                QUEUE_HEADER: self.queue_name,
                CONSUMER_HEADER: self.name,
                FAILED_AT_HEADER: utcnow().isoformat(),
            },
        )
        dead = topology.dead_letter_queue(self.namespace)
        self.publisher.publish(
            message.body,
            exchange=topology.dead_letter_exchange(self.namespace),
            routing_key=dead.routing_key,
            headers=headers,
            message_id=message.properties.get("message_id"),
            content_type=message.content_type or "application/octet-stream",
            content_encoding=message.content_encoding or "binary",
        )
        message.ack()

    # -- the loop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set; on broker loss reconnect after 0.1 s doubling to 1 s
        (kombu's ConsumerMixin waits 2, 4, 6… s and resumed 7 s late in MEASUREMENTS.md)."""
        self._stop = stop
        backoff = Backoff(initial=0.1, maximum=1.0)
        logger.info("consumer started", extra={"consumer": self.name, "queue": self.queue_name})
        try:
            while not stop.is_set():
                connection = connect(
                    self.broker_url,
                    visibility_timeout=self.visibility_timeout,
                    poll_seconds=self.poll_seconds,
                )
                errors = broker_errors(connection)
                try:
                    self._consume(connection, stop, backoff)
                except errors as exc:
                    self._unpark_all(requeue=False)
                    logger.warning(
                        "broker connection lost; reconnecting",
                        extra={"consumer": self.name, "error": repr(exc)},
                    )
                    stop.wait(backoff.next())
                finally:
                    _release(connection)
        finally:
            self.publisher.close()
            logger.info("consumer stopped", extra={"consumer": self.name})

    def _consume(
        self, connection: kombu.Connection, stop: threading.Event, backoff: Backoff
    ) -> None:
        open_connection(connection)
        channel = connection.channel()
        # (size, count, global) by position: the keyword names differ between transports
        channel.basic_qos(0, self.prefetch + self.max_parked, False)
        queue = topology.service_queue(self.namespace, self.name)(channel)
        queue.declare()  # idempotent; the queue must exist before we consume from it
        consumer = kombu.Consumer(
            channel, queues=[queue], on_message=self.handle_message, auto_declare=False
        )
        consumer.consume()
        backoff.reset()
        logger.info("consuming", extra={"consumer": self.name, "queue": self.queue_name})
        while not stop.is_set():
            # socket.timeout (TimeoutError) means idle: look at the stop event again.
            with suppress(TimeoutError):
                connection.drain_events(timeout=self.drain_timeout)
            self.retry_due()
            connection.heartbeat_check()
            self.publisher.heartbeat_check()
        # Leaving: cancel so RabbitMQ stops pushing, then closing the channel requeues (AMQP)
        # or releases the leases (SQLite) of anything still unacked.
        consumer.cancel()
        self._unpark_all(requeue=True)


def _release(connection: kombu.Connection) -> None:
    try:
        connection.release()
    except Exception:  # a broken connection cannot close cleanly; drop it
        connection.collect()
