"""The unit tier's guard (tests/unit/conftest.py) stops I/O through each way it is done."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.unit.conftest import UnitTestDidIO


def test_a_network_connection_is_refused() -> None:
    with pytest.raises(UnitTestDidIO, match="network connection"):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)


def test_a_sqlite_database_is_refused_directly_and_through_sqlalchemy() -> None:
    with pytest.raises(UnitTestDidIO, match="SQLite"):
        sqlite3.connect(":memory:")
    engine = sa.create_engine("sqlite://")
    with pytest.raises(UnitTestDidIO, match="SQLite"), engine.connect():
        pass  # pragma: no cover - the connect above raises


def test_a_postgresql_database_is_refused() -> None:
    import psycopg

    with pytest.raises(UnitTestDidIO, match="PostgreSQL"):
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres")


def test_a_subprocess_is_refused() -> None:
    with pytest.raises(UnitTestDidIO, match="subprocess"):
        subprocess.run([sys.executable, "-c", "pass"], check=False)
