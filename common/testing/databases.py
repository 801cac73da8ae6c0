"""Scratch databases for tests: a SQLite file, or a fresh PostgreSQL database on the
server named by ``TSUNAGU_TEST_DATABASE_URL`` (dropped afterwards). Names are random so
parallel runs on one server never collide."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from common.db import normalize_url

SERVER_DATABASE_ENV = "TSUNAGU_TEST_DATABASE_URL"
SERVER_BROKER_ENV = "TSUNAGU_TEST_BROKER_URL"


def server_database_url() -> str | None:
    return os.environ.get(SERVER_DATABASE_ENV) or None


def server_broker_url() -> str | None:
    return os.environ.get(SERVER_BROKER_ENV) or None


def unique_name(hint: str) -> str:
    safe = "".join(c if c.isalnum() else "_" for c in hint.lower())[:30]
    return f"tsunagu_t_{safe}_{secrets.token_hex(4)}"


@contextmanager
def postgres_database(server_url: str, hint: str) -> Iterator[str]:
    """CREATE a uniquely named database on the server; yield its URL; DROP it after."""
    admin_url = make_url(normalize_url(server_url))
    name = unique_name(hint)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@contextmanager
def scratch_database(tmp_dir: Path, hint: str, server_url: str | None = None) -> Iterator[str]:
    """A SQLite file under ``tmp_dir``, or a PostgreSQL database when ``server_url`` is given."""
    if server_url:
        with postgres_database(server_url, hint) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_dir / (unique_name(hint) + '.sqlite3')}"
