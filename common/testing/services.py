"""Building a service app on a real, migrated scratch database for service-tier tests.

``migrated_database`` migrates once per test module; ``savepoint_session_factory``
wraps each test in a transaction that is rolled back afterwards (SQLAlchemy's
"joining a session into an external transaction" recipe), so tests stay independent
and fast on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.config import Settings, load_settings
from common.db import make_engine, make_session_factory
from common.migrations import upgrade
from common.testing.databases import scratch_database
from common.testing.principals import write_test_keys


def test_settings(tmp_dir: Path, **environ: str) -> Settings:
    keys_dir = tmp_dir / "keys"
    write_test_keys(keys_dir)
    env = {
        "TSUNAGU_DATA_DIR": str(tmp_dir),
        "TSUNAGU_KEYS_DIR": str(keys_dir),
        "TSUNAGU_ARGON2_TIME_COST": "1",
        "TSUNAGU_ARGON2_MEMORY_KIB": "1024",
        "TSUNAGU_DEMO": "0",
    }
    env.update(environ)
    return load_settings(env)


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@contextmanager
def migrated_database(
    tmp_dir: Path, migrations_dir: Path, hint: str, server_url: str | None = None
) -> Iterator[sa.Engine]:
    with scratch_database(tmp_dir, hint, server_url) as url:
        upgrade(migrations_dir, url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def savepoint_session_factory(engine: sa.Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions whose commits are savepoints inside one outer transaction, rolled back
    when the test ends."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield make_session_factory(connection, join_transaction_mode="create_savepoint")
    finally:
        outer.rollback()
        connection.close()
