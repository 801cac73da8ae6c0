"""Database engines and sessions: one engine and one session factory per service.

SQLite (embedded mode) gets WAL, foreign keys, a busy timeout and ``BEGIN
IMMEDIATE`` transactions by default: a transaction that will write takes the write lock at
once, since a deferred one that upgrades to a writer after another has committed fails with
SQLITE_BUSY_SNAPSHOT instead of waiting. Reads (GET requests) run in deferred transactions
instead (:func:`deferred_transactions`), so that they do not queue behind writes; the few
that write (an audit entry after a read) and lose the race are run again, once, immediate
(common/http/service.py). PostgreSQL (server mode) uses psycopg 3.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import Session as Session  # re-exported for services
from sqlalchemy.orm import sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC; SQLite would otherwise drop the offset."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        # TypeDecorator answers ``object``; keyset cursors need to know to parse a datetime.
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


TYPE_ANNOTATION_MAP: dict[Any, Any] = {datetime: UTCDateTime(), uuid.UUID: sa.Uuid()}
"""Each service declares its own registry so that services never share tables::

    class Base(DeclarativeBase):
        metadata = new_metadata()
        type_annotation_map = TYPE_ANNOTATION_MAP
"""


def new_metadata() -> sa.MetaData:
    return sa.MetaData(naming_convention=NAMING_CONVENTION)


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator gave."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine whose storage faults are watched (common.storage): a failed write empties
    the pool, so the service recovers by itself when the fault clears."""
    from common.storage import watch_storage

    url = normalize_url(url)
    if url.startswith("sqlite"):
        connect_args = {"timeout": 30, "check_same_thread": False}
        engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
        _tune_sqlite(engine)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        if "poolclass" not in kwargs:
            kwargs.setdefault("pool_size", 10)
            kwargs.setdefault("max_overflow", 10)
        engine = sa.create_engine(url, **kwargs)
    watch_storage(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so BEGIN IMMEDIATE and SAVEPOINT work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    queue = WriterQueue()
    _WRITER_QUEUES[engine] = queue

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if not _write_intent.get():
            connection.exec_driver_sql("BEGIN")
            return
        queue.enter(connection.info)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            queue.leave(connection.info)
            raise

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        queue.leave(record.info)


class WriterQueue:
    """The threads of one process that want to write one SQLite database wait here, in
    line, rather than in SQLite's busy handler — which sleeps 1, 2, 5 … 100 ms between
    tries, so a waiting writer often sleeps long after the lock is free. Entered before
    ``BEGIN IMMEDIATE``; left when the connection goes back to the pool (after its commit or
    rollback). A thread that already holds it (a second connection in one request) goes
    straight to SQLite, as before; other processes still meet SQLite's busy timeout."""

    WAIT_SECONDS = 30.0  # as long as SQLite's busy timeout: then SQLite decides

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None

    def enter(self, info: dict[Any, Any]) -> None:
        if self._owner == threading.get_ident() or info.get(self):
            return
        if self._lock.acquire(timeout=self.WAIT_SECONDS):
            self._owner = threading.get_ident()
            info[self] = True

    def leave(self, info: dict[Any, Any]) -> None:
        if info.pop(self, False):
            self._owner = None
            self._lock.release()


_WRITER_QUEUES: weakref.WeakKeyDictionary[Engine, WriterQueue] = weakref.WeakKeyDictionary()


_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=True)


@contextmanager
def deferred_transactions() -> Iterator[None]:
    """SQLite transactions begun in this context are deferred: they take the write lock
    only if and when they write. For reads; see :func:`is_lost_upgrade`."""
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)


def begin_immediately() -> None:
    """From now on in this context, SQLite transactions take the write lock at BEGIN."""
    _write_intent.set(True)


def transactions_deferred() -> bool:
    return not _write_intent.get()


_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, 517}  # 517: SQLITE_BUSY_SNAPSHOT


def is_lost_upgrade(error: BaseException) -> bool:
    """A deferred SQLite transaction could not become a writer (another wrote first)."""
    if not isinstance(error, sa.exc.OperationalError):
        return False
    original = error.orig
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code in _BUSY_CODES
    return isinstance(original, sqlite3.OperationalError) and "locked" in str(original)


def make_session_factory(bind: Engine | sa.Connection, **kwargs: Any) -> sessionmaker[Session]:
    kwargs.setdefault("expire_on_commit", False)
    factory = sessionmaker(bind=bind, **kwargs)
    if bind.dialect.name == "sqlite":
        event.listen(factory, "before_flush", _audit_hop)
        event.listen(factory, "after_flush", _wrote)
    return factory


def _wrote(_session: Session, _context: Any) -> None:
    """Once a transaction has written, no hop may commit it early: the rest is immediate."""
    if transactions_deferred():
        begin_immediately()


def _audit_hop(session: Session, _context: Any, _instances: Any) -> None:
    """In a deferred (read) transaction, a flush that only appends to append-only tables
    (the audit log) lets the read snapshot go and takes the write lock afresh: COMMIT the
    read, BEGIN IMMEDIATE, then insert. Upgrading the snapshot instead would fail whenever
    another request committed since the read began — under load, nearly always — and
    holding the write lock from BEGIN would queue every read behind every write. Anything
    else (an update after a read) keeps SQLite's own upgrade, which is safe: it fails, and
    the request runs again immediate, if the rows read may have changed."""
    if not transactions_deferred() or session.dirty or session.deleted:
        return
    if isinstance(session.bind, sa.Connection):
        return  # joined to a transaction it does not own (tests' savepoints): never commit it
    if not session.new or not all(
        getattr(type(instance), "__append_only__", False) for instance in session.new
    ):
        return
    connection = session.connection()
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    queue = _WRITER_QUEUES.get(connection.engine)
    try:
        if connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            cursor.execute("COMMIT")  # the read transaction wrote nothing
        if queue is not None:
            queue.enter(connection.info)
        cursor.execute("BEGIN IMMEDIATE")
    finally:
        cursor.close()
    begin_immediately()  # the rest of this request writes in order
