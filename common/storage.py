"""Storage faults (a full or read-only disk, I/O errors) seen by a database engine, and
what readiness says about them (issue 13: SQLite services stayed broken after the fault
cleared while ``/readyz`` said 200).

Every engine from common.db.make_engine is watched:

- a storage error marks the engine failing and invalidates its connection pool, so that
  once the fault clears the next transaction works on fresh connections instead of on a
  handle left in whatever state the failed write left it;
- a commit marks it healthy again;
- readiness (:func:`check_storage`) answers from that, and proves writes with a probe — a
  one-row write of the database header (SQLite ``PRAGMA user_version``) or a transaction id
  (PostgreSQL) — while failing, or when nothing committed for a while.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

PROBE_WHEN_IDLE_SECONDS = 30.0

# SQLite primary result codes (an extended code keeps the primary one in its low byte).
_SQLITE_STORAGE_CODES = {8, 10, 13, 14}  # READONLY, IOERR, FULL, CANTOPEN
# PostgreSQL SQLSTATEs: disk full, out of memory/resources class, I/O error, read-only.
_PG_STORAGE_STATES = ("53100", "58030", "25006")
_STORAGE_WORDS = (
    "disk is full",
    "disk i/o error",
    "readonly database",
    "read-only",
    "unable to open database file",
    "no space left on device",
    "could not extend file",
    "could not write",
)


class StorageFailing(RuntimeError):
    """Writes to this database fail right now."""


def is_storage_error(error: BaseException | None) -> bool:
    if error is None:
        return False
    original = getattr(error, "orig", None) or error
    code = getattr(original, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _SQLITE_STORAGE_CODES:
        return True
    if getattr(original, "sqlstate", None) in _PG_STORAGE_STATES:
        return True
    text = str(original).lower()
    return any(word in text for word in _STORAGE_WORDS)


class StorageHealth:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.failing_since: float | None = None
        self.last_commit = 0.0

    def failed(self) -> None:
        with self._lock:
            if self.failing_since is None:
                self.failing_since = time.monotonic()

    def committed(self) -> None:
        with self._lock:
            self.failing_since = None
            self.last_commit = time.monotonic()

    @property
    def failing(self) -> bool:
        return self.failing_since is not None


_HEALTH: weakref.WeakKeyDictionary[Engine, StorageHealth] = weakref.WeakKeyDictionary()


def storage_health(engine: Engine) -> StorageHealth:
    health = _HEALTH.get(engine)
    if health is None:
        health = _HEALTH.setdefault(engine, StorageHealth())
    return health


def watch_storage(engine: Engine) -> None:
    health = storage_health(engine)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        if is_storage_error(context.original_exception):
            health.failed()
            # Treated as a lost connection: the pool is emptied and rebuilt on next use.
            context.is_disconnect = True

    @event.listens_for(engine, "commit")
    def _on_commit(_connection: sa.Connection) -> None:
        health.committed()


def probe_write(engine: Engine) -> None:
    """One small committed write; raises if the database cannot take it."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # Rewrites the header's own value: a real write to the file, changing nothing.
            version = connection.exec_driver_sql("PRAGMA user_version").scalar() or 0
            connection.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
            connection.commit()
        else:
            connection.execute(sa.text("SELECT txid_current()"))
            connection.commit()


def check_storage(engine: Engine) -> None:
    """Readiness: raise while writes fail. Probes when the engine last failed a write, or
    when nothing committed for a while (a fault may have begun since)."""
    health = storage_health(engine)
    idle = time.monotonic() - health.last_commit > PROBE_WHEN_IDLE_SECONDS
    if not (health.failing or idle):
        with engine.connect() as connection:  # it answers at least
            connection.execute(sa.text("SELECT 1"))
        return
    try:
        probe_write(engine)
    except sa.exc.DBAPIError as exc:
        if is_storage_error(exc):
            health.failed()
            raise StorageFailing(str(exc.orig)) from exc
        raise
    health.committed()
