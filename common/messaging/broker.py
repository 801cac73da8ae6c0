"""Broker connections from one URL, so every process runs the same code in both run modes.

- ``sqlite:///abs/path/broker.sqlite3`` → the embedded transport (:mod:`.sqlite_transport`);
- ``amqp://user:pass@host:5672/vhost`` → RabbitMQ through py-amqp, with publisher confirms,
  heartbeats and bounded timeouts (MEASUREMENTS.md: without ``confirm_timeout`` a publish to a
  frozen broker blocks forever, and without confirms it "succeeds" into the socket buffer).

Retrying is left to the callers (relay, consumer), which know what a failure means for them:
nothing here retries forever.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import kombu
from kombu import Exchange, Producer
from kombu.exceptions import OperationalError as KombuOperationalError

from common.messaging import topology
from common.messaging.sqlite_transport import SCHEMA_VERSION
from common.messaging.sqlite_transport import Transport as SQLiteTransport

HEARTBEAT_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 5.0
CONFIRM_TIMEOUT_SECONDS = 10.0
"""How long a publish waits for RabbitMQ's confirm before it counts as failed (and is retried)."""
PERSISTENT = 2
AMQP_SCHEMES = ("amqp://", "amqps://", "pyamqp://")


def is_embedded(url: str) -> bool:
    return url.startswith("sqlite:")


def sqlite_path(url: str) -> str:
    """``sqlite:///abs/broker.sqlite3`` (or ``sqlite:////abs/...``) → ``/abs/broker.sqlite3``.

    Only absolute paths: processes started from different working directories must agree on
    the file (``Settings.broker_url`` is always absolute)."""
    rest = url.removeprefix("sqlite://")
    if rest == url or not rest.startswith("/") or "?" in rest:
        raise ValueError(f"broker URL must be sqlite:///<absolute path>, got {url!r}")
    return "/" + rest.lstrip("/")


def connect(
    url: str, *, visibility_timeout: float = 30.0, poll_seconds: float = 0.05
) -> kombu.Connection:
    """A not-yet-connected kombu connection for ``url``.

    ``visibility_timeout`` and ``poll_seconds`` apply to the embedded transport only: RabbitMQ
    pushes messages and requeues a dead consumer's unacked messages when its connection drops.
    """
    if is_embedded(url):
        return kombu.Connection(
            hostname=sqlite_path(url),
            transport=SQLiteTransport,
            transport_options={
                "visibility_timeout": visibility_timeout,
                "polling_interval": poll_seconds,
            },
        )
    return _amqp(url, connect_timeout=CONNECT_TIMEOUT_SECONDS)


def _amqp(url: str, *, connect_timeout: float) -> kombu.Connection:
    if not url.startswith(AMQP_SCHEMES):
        raise ValueError(f"unsupported broker URL scheme: {url.split(':', 1)[0]!r}")
    return kombu.Connection(
        url,
        heartbeat=HEARTBEAT_SECONDS,
        connect_timeout=connect_timeout,
        transport_options={"confirm_publish": True},
    )


def open_connection(connection: kombu.Connection) -> kombu.Connection:
    """Connect once, raising the transport's own error at once (kombu's ``connect()`` retries
    after 2 s and wraps errors, which would slow every reconnect loop)."""
    connection.ensure_connection(max_retries=0, reraise_as_library_errors=False)
    return connection


def broker_errors(connection: kombu.Connection) -> tuple[type[BaseException], ...]:
    """Every error meaning "the broker or the link to it is in trouble: reconnect and retry"."""
    return (
        *connection.connection_errors,
        *connection.recoverable_connection_errors,
        *connection.channel_errors,
        *connection.recoverable_channel_errors,
        KombuOperationalError,
    )


def declare_topology(connection: kombu.Connection, namespace: str) -> None:
    """Declare the exchanges, every service queue with its bindings, and the dead-letter route.

    Idempotent. Publishers call it too: RabbitMQ drops a message routed to a queue that does
    not exist yet, so the topology must exist before the first event is published."""
    channel = connection.channel()
    try:
        topology.events_exchange(namespace)(channel).declare()
        topology.dead_letter_exchange(namespace)(channel).declare()
        for queue in topology.all_queues(namespace):
            queue(channel).declare()
    finally:
        channel.close()


def bootstrap(url: str, namespace: str) -> None:
    """One-time, idempotent set-up before the services start: the embedded broker's schema
    (opening a channel creates it) and the whole topology."""
    if is_embedded(url):
        Path(sqlite_path(url)).parent.mkdir(parents=True, exist_ok=True)
    with connect(url) as connection:
        declare_topology(open_connection(connection), namespace)


def ping(url: str, timeout: float = 2.0) -> None:
    """Raise if the broker cannot be reached (for ``/readyz``); never creates anything."""
    if is_embedded(url):
        path = sqlite_path(url)
        db = sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, timeout=timeout)
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                raise sqlite3.OperationalError(f"broker {path} is not bootstrapped")
            db.execute("SELECT 1 FROM broker_message LIMIT 1").fetchall()
        finally:
            db.close()
        return
    connection = _amqp(url, connect_timeout=timeout)
    try:
        open_connection(connection)
    finally:
        connection.release()


class Publisher:
    """Persistent, confirmed publishing over a connection of its own, opened on first use and
    after any failure.

    A publish either returns (the broker has the message: confirmed by RabbitMQ, committed in
    the SQLite file) or raises one of :meth:`errors`; the caller decides whether to retry. A
    separate connection also keeps a consumer's republish from draining its own deliveries
    while py-amqp waits for the confirm (which would re-enter the message callback).
    """

    def __init__(
        self,
        url: str,
        *,
        namespace: str | None = None,
        confirm_timeout: float = CONFIRM_TIMEOUT_SECONDS,
    ) -> None:
        self.url = url
        self.namespace = namespace
        self.confirm_timeout = confirm_timeout
        self._connection: kombu.Connection | None = None
        self._producer: Producer | None = None
        self._errors = broker_errors(connect(url))

    @property
    def errors(self) -> tuple[type[BaseException], ...]:
        return self._errors

    def _ensure(self) -> Producer:
        if self._producer is None:
            connection = open_connection(connect(self.url))
            try:
                if self.namespace is not None:
                    declare_topology(connection, self.namespace)
                self._producer = Producer(connection.channel(), auto_declare=False)
            except BaseException:
                connection.release()
                raise
            self._connection = connection
        return self._producer

    def publish(
        self,
        body: bytes | str,
        *,
        exchange: Exchange | str,
        routing_key: str,
        headers: dict[str, Any] | None = None,
        message_id: str | None = None,
        content_type: str = "application/json",
        content_encoding: str = "utf-8",
    ) -> None:
        try:
            producer = self._ensure()
            producer.publish(
                body,
                exchange=exchange,
                routing_key=routing_key,
                headers=headers or {},
                message_id=message_id,
                content_type=content_type,
                content_encoding=content_encoding,
                delivery_mode=PERSISTENT,
                retry=False,
                timeout=self.confirm_timeout,
                confirm_timeout=self.confirm_timeout,
            )
        except self._errors:
            self.close()
            raise

    def heartbeat_check(self) -> None:
        """Keep an idle RabbitMQ connection alive; a dead one is dropped and reopened later."""
        if self._connection is None:
            return
        try:
            self._connection.heartbeat_check()
        except self._errors:
            self.close()

    def close(self) -> None:
        connection, self._connection, self._producer = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # already broken; nothing more to release
                connection.collect()
