"""The unit tier does no I/O: a unit test that opens a network connection, a database or a
subprocess fails, whatever library it goes through. Such a test belongs in tests/service
(or tests/e2e). Reading the repository's own files (catalogues, templates) is allowed."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
from typing import Any, NoReturn

import pytest


class UnitTestDidIO(AssertionError):
    pass


def _refuse(what: str) -> Any:
    def refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
        raise UnitTestDidIO(f"a unit test {what}; move it to tests/service or tests/e2e")

    return refuse


def _refuse_socket(what: str) -> Any:
    def refuse(sock: socket.socket, *_args: Any, **_kwargs: Any) -> NoReturn:
        sock.close()  # the caller never gets to close it
        raise UnitTestDidIO(f"a unit test {what}; move it to tests/service or tests/e2e")

    return refuse


@pytest.fixture(autouse=True)
def no_io(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _refuse_socket("opened a network connection"))
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse_socket("opened a network connection"))
    monkeypatch.setattr(socket.socket, "bind", _refuse_socket("listened on a socket"))
    # sqlite3.connect is dbapi2.connect re-exported; SQLAlchemy calls the dbapi2 one.
    monkeypatch.setattr(sqlite3, "connect", _refuse("opened a SQLite database"))
    monkeypatch.setattr(sqlite3.dbapi2, "connect", _refuse("opened a SQLite database"))
    monkeypatch.setattr(subprocess.Popen, "__init__", _refuse("started a subprocess"))
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a pinned dependency
        return
    # psycopg.connect is bound to Connection.connect at import: refuse both.
    monkeypatch.setattr(psycopg, "connect", _refuse("opened a PostgreSQL database"))
    monkeypatch.setattr(
        psycopg.Connection, "connect", classmethod(_refuse("opened a PostgreSQL database"))
    )
