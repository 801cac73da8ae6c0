"""The embedded broker: a kombu virtual transport on one SQLite file, for running with no server.

Why not kombu's own ``sqla+sqlite`` transport (MEASUREMENTS.md, kombu section): it keeps
exchanges and bindings in process memory, so a publisher that did not declare the consumers'
queues drops everything; a consumer killed while it holds a message loses it; unacked messages
restored at close are re-routed and so duplicated into overlapping queues; delivered rows are
never deleted; and concurrent first starts race on schema creation.

This transport keeps exchanges, queues and bindings in the file (as kombu's redis transport
keeps bindings in Redis) and gives every delivery a *lease*, like SQS: ``_get`` leases the
oldest visible row by moving its ``visible_at`` one visibility timeout into the future, in a
``BEGIN IMMEDIATE`` transaction. The delivery tag names the row and the lease token, so

- ack deletes the row, reject(requeue=False) deletes it, reject(requeue=True) makes it visible
  again at once, at its old place in the queue;
- a consumer that dies (even by SIGKILL) simply never settles its lease, and the row becomes
  visible again when the timeout passes: delivery is at least once;
- a late ack from a consumer whose lease expired and was taken over deletes nothing (the token
  no longer matches), so it cannot remove a message another consumer is handling;
- at a clean close the channel's unsettled leases are released in place: nothing is re-routed.

Transport options (``kombu.Connection(transport_options=...)``): ``visibility_timeout``
(seconds, default 30), ``polling_interval`` (seconds between empty polls, default 0.05),
``synchronous`` (SQLite ``synchronous`` pragma, default ``NORMAL``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from queue import Empty
from typing import Any

from amqp.protocol import queue_declare_ok_t
from kombu.exceptions import ChannelError
from kombu.transport import virtual
from kombu.transport.virtual.base import NotEquivalentError

logger = logging.getLogger(__name__)

DEFAULT_VISIBILITY_TIMEOUT = 30.0
DEFAULT_POLLING_INTERVAL = 0.05
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS broker_exchange (
        name TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        durable INTEGER NOT NULL,
        auto_delete INTEGER NOT NULL,
        arguments TEXT NOT NULL
    )""",
    "CREATE TABLE IF NOT EXISTS broker_queue (name TEXT PRIMARY KEY)",
    """CREATE TABLE IF NOT EXISTS broker_binding (
        exchange TEXT NOT NULL,
        routing_key TEXT NOT NULL,
        pattern TEXT NOT NULL,
        queue TEXT NOT NULL,
        PRIMARY KEY (exchange, routing_key, queue)
    )""",
    # AUTOINCREMENT: ids never go backwards after deletes, so "ORDER BY id" stays FIFO.
    """CREATE TABLE IF NOT EXISTS broker_message (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        queue TEXT NOT NULL,
        payload TEXT NOT NULL,
        visible_at REAL NOT NULL,
        lease TEXT,
        deliveries INTEGER NOT NULL DEFAULT 0
    )""",
    # (queue, id) rather than (queue, visible_at): the head of a queue is found by walking ids
    # and skipping the few leased rows, instead of sorting every ready row on each poll.
    "CREATE INDEX IF NOT EXISTS ix_broker_message_queue_id ON broker_message (queue, id)",
)

# The head of a queue: its oldest visible row. Leasing it and removing it are single statements
# inside BEGIN IMMEDIATE, so two consumers can never take the same row.
_LEASE_HEAD = """
    UPDATE broker_message SET visible_at = ?, lease = ?, deliveries = deliveries + 1
    WHERE id = (
        SELECT id FROM broker_message WHERE queue = ? AND visible_at <= ? ORDER BY id LIMIT 1
    )
    RETURNING id, payload, deliveries"""
_REMOVE_HEAD = """
    DELETE FROM broker_message
    WHERE id = (
        SELECT id FROM broker_message WHERE queue = ? AND visible_at <= ? ORDER BY id LIMIT 1
    )
    RETURNING id, payload, deliveries + 1"""

SCHEMA_VERSION = 1
"""Kept in ``PRAGMA user_version``; a later layout bumps it and migrates in create_schema."""


def open_database(path: str, *, synchronous: str = "NORMAL") -> sqlite3.Connection:
    """Open the broker file in autocommit mode (we issue BEGIN IMMEDIATE ourselves) with WAL
    and a busy timeout, creating the schema if the file has none yet."""
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _set_wal(db)
        if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"bad synchronous pragma {synchronous!r}")
        db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            create_schema(db)
    except BaseException:
        db.close()
        raise
    return db


def _set_wal(db: sqlite3.Connection) -> None:
    # Switching a new file to WAL needs an exclusive lock; two processes starting together can
    # see SQLITE_BUSY here without the busy handler being consulted, so retry briefly.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
            continue
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"could not switch broker to WAL (mode {mode})")
        return


def create_schema(db: sqlite3.Connection) -> None:
    """Idempotent and safe when several processes start at once: one writer at a time
    (BEGIN IMMEDIATE), and every statement is IF NOT EXISTS."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA:
            db.execute(statement)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _split_tag(delivery_tag: str) -> tuple[int, str]:
    row_id, _, lease = str(delivery_tag).partition(":")
    return int(row_id), lease


class QoS(virtual.QoS):
    """Settles leases in the database instead of re-routing message copies."""

    def ack(self, delivery_tag: str) -> None:
        self.channel._settle(delivery_tag, requeue=False)
        super().ack(delivery_tag)

    def reject(self, delivery_tag: str, requeue: bool = False) -> None:
        self.channel._settle(delivery_tag, requeue=requeue)
        super().ack(delivery_tag)  # forget it locally; the row is settled above

    def restore_unacked(self) -> list[tuple[BaseException, Any]]:
        """Release this channel's unsettled leases in place (stock kombu re-routes copies)."""
        self._flush()
        errors: list[tuple[BaseException, Any]] = []
        while self._delivered:
            tag, message = self._delivered.popitem()
            try:
                self.channel._settle(tag, requeue=True)
            except Exception as exc:  # the lease then simply expires
                errors.append((exc, message))
        return errors


class Channel(virtual.Channel):
    QoS = QoS
    supports_fanout = False  # fanout is routed by lookup in basic_publish below
    do_restore = True

    visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT
    synchronous: str = "NORMAL"
    from_transport_options = (  # type: ignore[assignment]  # kombu types it as a 2-tuple
        *virtual.Channel.from_transport_options,
        "visibility_timeout",
        "synchronous",
    )

    def __init__(self, connection: Any, **kwargs: Any) -> None:
        super().__init__(connection, **kwargs)
        self.visibility_timeout = float(self.visibility_timeout)
        self._db = open_database(self.connection.client.hostname, synchronous=self.synchronous)
        self._no_ack_queues: set[str] = set()

    # -- plumbing -------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        cursor = self._db.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
        except BaseException:
            if self._db.in_transaction:
                cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")

    def close(self) -> None:
        # super().close() releases unsettled leases through QoS.restore_unacked first.
        try:
            super().close()
        finally:
            with suppress(sqlite3.Error):
                self._db.close()

    # -- exchanges, queues, bindings: persisted so every process sees the same topology ----

    def exchange_declare(
        self,
        exchange: str | None = None,
        type: str = "direct",
        durable: bool = False,
        auto_delete: bool = False,
        arguments: dict[str, Any] | None = None,
        nowait: bool = False,
        passive: bool = False,
    ) -> None:
        type = type or "direct"
        exchange = exchange or f"amq.{type}"
        if passive:
            if self._load_exchange(exchange) is None:
                raise ChannelError(
                    f"NOT_FOUND - no exchange {exchange!r}",
                    (50, 10),
                    "Channel.exchange_declare",
                    "404",
                )
            return
        with self._write() as cursor:
            cursor.execute(
                "INSERT OR IGNORE INTO broker_exchange VALUES (?, ?, ?, ?, ?)",
                (exchange, type, int(durable), int(auto_delete), json.dumps(arguments or {})),
            )
        prev = self._load_exchange(exchange)
        assert prev is not None
        if not self.typeof(exchange).equivalent(
            prev, exchange, type, durable, auto_delete, arguments
        ):
            raise NotEquivalentError(f"exchange {exchange!r} redeclared with other settings")

    def _load_exchange(self, exchange: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT type, durable, auto_delete, arguments FROM broker_exchange WHERE name = ?",
            (exchange,),
        ).fetchone()
        if row is None:
            self.state.exchanges.pop(exchange, None)
            return None
        meta = {
            "type": row[0],
            "durable": bool(row[1]),
            "auto_delete": bool(row[2]),
            "arguments": json.loads(row[3]),
            "table": [],
        }
        self.state.exchanges[exchange] = meta  # the type cache used by typeof()
        return meta

    def typeof(self, exchange: str, default: str = "direct") -> Any:
        meta = self.state.exchanges.get(exchange) or self._load_exchange(exchange)
        return self.exchange_types[meta["type"] if meta else default]

    def exchange_delete(self, exchange: str, if_unused: bool = False, nowait: bool = False) -> None:
        with self._write() as cursor:
            cursor.execute("DELETE FROM broker_binding WHERE exchange = ?", (exchange,))
            cursor.execute("DELETE FROM broker_exchange WHERE name = ?", (exchange,))
        self.state.exchanges.pop(exchange, None)

    def get_exchanges(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT name FROM broker_exchange")]

    def get_table(self, exchange: str) -> list[tuple[str, str | None, str]]:
        return self._table(self._db.cursor(), exchange)

    @staticmethod
    def _table(cursor: sqlite3.Cursor, exchange: str) -> list[tuple[str, str | None, str]]:
        rows = cursor.execute(
            "SELECT routing_key, pattern, queue FROM broker_binding WHERE exchange = ?",
            (exchange,),
        ).fetchall()
        return [(rkey, pattern or None, queue) for rkey, pattern, queue in rows]

    def queue_bind(
        self,
        queue: str,
        exchange: str | None = None,
        routing_key: str = "",
        arguments: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        exchange = exchange or "amq.direct"
        rkey, pattern, _ = self.typeof(exchange).prepare_bind(
            queue, exchange, routing_key, arguments
        )
        with self._write() as cursor:
            cursor.execute(
                "INSERT OR IGNORE INTO broker_binding VALUES (?, ?, ?, ?)",
                (exchange, rkey or "", pattern or "", queue),
            )

    def queue_unbind(
        self,
        queue: str,
        exchange: str | None = None,
        routing_key: str = "",
        arguments: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        with self._write() as cursor:
            cursor.execute(
                "DELETE FROM broker_binding WHERE exchange = ? AND routing_key = ? AND queue = ?",
                (exchange or "amq.direct", routing_key or "", queue),
            )

    def list_bindings(self) -> Iterator[tuple[str, str, str]]:
        rows = self._db.execute("SELECT queue, exchange, routing_key FROM broker_binding")
        return iter(rows.fetchall())

    def queue_declare(self, queue: str | None = None, passive: bool = False, **kwargs: Any) -> Any:
        queue = queue or f"amq.gen-{uuid.uuid4()}"
        if passive and not self._has_queue(queue):
            raise ChannelError(
                f"NOT_FOUND - no queue {queue!r}", (50, 10), "Channel.queue_declare", "404"
            )
        if not passive:
            self._new_queue(queue)
        return queue_declare_ok_t(queue, self._size(queue), 0)

    def queue_delete(
        self, queue: str, if_unused: bool = False, if_empty: bool = False, **kwargs: Any
    ) -> int | None:
        with self._write() as cursor:
            if if_empty and self._ready_count(cursor, queue):
                return None
            cursor.execute("DELETE FROM broker_binding WHERE queue = ?", (queue,))
            deleted = cursor.execute("DELETE FROM broker_message WHERE queue = ?", (queue,))
            cursor.execute("DELETE FROM broker_queue WHERE name = ?", (queue,))
            return deleted.rowcount

    def _new_queue(self, queue: str, **kwargs: Any) -> None:
        with self._write() as cursor:
            cursor.execute("INSERT OR IGNORE INTO broker_queue VALUES (?)", (queue,))

    def _has_queue(self, queue: str, **kwargs: Any) -> bool:
        row = self._db.execute("SELECT 1 FROM broker_queue WHERE name = ?", (queue,)).fetchone()
        return row is not None

    # -- messages ----------------------------------------------------------------------------

    @staticmethod
    def _ready_count(cursor: sqlite3.Cursor, queue: str) -> int:
        row = cursor.execute(
            "SELECT count(*) FROM broker_message WHERE queue = ? AND visible_at <= ?",
            (queue, time.time()),
        ).fetchone()
        return int(row[0])

    def _size(self, queue: str) -> int:
        """Ready messages, as AMQP counts them: leased ones are not included."""
        return self._ready_count(self._db.cursor(), queue)

    def _purge(self, queue: str) -> int:
        with self._write() as cursor:
            result = cursor.execute(
                "DELETE FROM broker_message WHERE queue = ? AND visible_at <= ?",
                (queue, time.time()),
            )
            return result.rowcount

    def basic_publish(
        self, message: dict[str, Any], exchange: str, routing_key: str, **kwargs: Any
    ) -> None:
        """Route through the persisted bindings and store every copy in one transaction."""
        self._inplace_augment_message(message, exchange, routing_key)
        payload = json.dumps(message)
        with self._write() as cursor:
            if exchange:
                table = self._table(cursor, exchange)
                queues = self.typeof(exchange).lookup(table, exchange, routing_key, None)
            else:  # the default exchange: the routing key names the queue
                known = cursor.execute(
                    "SELECT 1 FROM broker_queue WHERE name = ?", (routing_key,)
                ).fetchone()
                queues = {routing_key} if known else set()
            now = time.time()
            cursor.executemany(
                "INSERT INTO broker_message (queue, payload, visible_at) VALUES (?, ?, ?)",
                [(queue, payload, now) for queue in sorted(queues)],
            )
        if not queues:
            logger.debug("unroutable message", extra={"exchange": exchange, "rkey": routing_key})

    def _put(self, queue: str, message: dict[str, Any], **kwargs: Any) -> None:
        with self._write() as cursor:
            cursor.execute(
                "INSERT INTO broker_message (queue, payload, visible_at) VALUES (?, ?, ?)",
                (queue, json.dumps(message), time.time()),
            )

    def basic_consume(
        self, queue: str, no_ack: bool, callback: Any, consumer_tag: str, **kwargs: Any
    ) -> Any:
        if no_ack:
            self._no_ack_queues.add(queue)
        else:
            self._no_ack_queues.discard(queue)
        return super().basic_consume(queue, no_ack, callback, consumer_tag, **kwargs)

    def basic_get(self, queue: str, no_ack: bool = False, **kwargs: Any) -> Any:
        try:
            raw = self._take(queue, lease=not no_ack)
        except Empty:
            return None
        message = self.Message(raw, channel=self)
        if not no_ack:
            self.qos.append(message, message.delivery_tag)
        return message

    def _get(self, queue: str, timeout: float | None = None) -> dict[str, Any]:
        return self._take(queue, lease=queue not in self._no_ack_queues)

    def _take(self, queue: str, *, lease: bool) -> dict[str, Any]:
        """Lease (or, for no-ack consumers, remove) the oldest visible message of ``queue``."""
        now = time.time()
        # A read without the write lock first: idle polls must not serialise the publishers.
        if not self._db.execute(
            "SELECT 1 FROM broker_message WHERE queue = ? AND visible_at <= ? LIMIT 1",
            (queue, now),
        ).fetchone():
            raise Empty()
        token = uuid.uuid4().hex
        with self._write() as cursor:
            if lease:
                until = now + self.visibility_timeout
                row = cursor.execute(_LEASE_HEAD, (until, token, queue, now)).fetchone()
            else:
                row = cursor.execute(_REMOVE_HEAD, (queue, now)).fetchone()
        if row is None:
            raise Empty()
        row_id, payload, deliveries = row
        message: dict[str, Any] = json.loads(payload)
        properties = message["properties"]
        properties["delivery_tag"] = f"{row_id}:{token}"
        properties.setdefault("delivery_info", {})["redelivered"] = deliveries > 1
        return message

    def _settle(self, delivery_tag: str, *, requeue: bool) -> None:
        row_id, lease = _split_tag(delivery_tag)
        with self._write() as cursor:
            if requeue:
                result = cursor.execute(
                    "UPDATE broker_message SET visible_at = ?, lease = NULL"
                    " WHERE id = ? AND lease = ?",
                    (time.time(), row_id, lease),
                )
            else:
                result = cursor.execute(
                    "DELETE FROM broker_message WHERE id = ? AND lease = ?", (row_id, lease)
                )
        if result.rowcount == 0:
            # The lease expired and another consumer took the message over: it is theirs now.
            logger.warning("settled an expired lease", extra={"delivery_tag": delivery_tag})


class Transport(virtual.Transport):
    """Connect with ``kombu.Connection(hostname=<absolute file path>, transport=Transport)``;
    :func:`common.messaging.broker.connect` does it from a ``sqlite:///`` URL."""

    Channel = Channel
    polling_interval = DEFAULT_POLLING_INTERVAL
    default_port = 0  # type: ignore[assignment]
    driver_type = "sqlite"
    driver_name = "sqlite3"
    # "database is locked" past the busy timeout, a vanished file or schema: reconnect and retry.
    connection_errors = (  # type: ignore[assignment]
        *virtual.Transport.connection_errors,
        sqlite3.OperationalError,
    )
    channel_errors = (*virtual.Transport.channel_errors, sqlite3.IntegrityError)  # type: ignore[assignment]
    implements = virtual.Transport.implements.extend(
        exchange_type=frozenset(["direct", "topic", "fanout"])
    )

    def driver_version(self) -> str:
        return sqlite3.sqlite_version
