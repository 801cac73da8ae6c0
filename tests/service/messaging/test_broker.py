"""One URL picks the broker; /readyz can ask whether it answers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from common.messaging.broker import connect, ping, sqlite_path
from common.messaging.sqlite_transport import Transport


def test_an_embedded_broker_url_names_an_absolute_file() -> None:
    assert sqlite_path("sqlite:///srv/tsunagu/broker.sqlite3") == "/srv/tsunagu/broker.sqlite3"
    assert sqlite_path("sqlite:////srv/tsunagu/broker.sqlite3") == "/srv/tsunagu/broker.sqlite3"


@pytest.mark.parametrize("url", ["sqlite://broker.sqlite3", "sqlite:", "sqlite:///a.db?x=1"])
def test_an_embedded_broker_url_without_an_absolute_path_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="absolute"):
        sqlite_path(url)


def test_the_url_scheme_picks_the_transport(tmp_path: Path) -> None:
    embedded = connect(f"sqlite:///{tmp_path / 'b.sqlite3'}", visibility_timeout=2)
    assert embedded.transport_cls is Transport
    assert embedded.transport_options["visibility_timeout"] == 2
    rabbit = connect("amqp://guest:guest@127.0.0.1:5672//")
    assert rabbit.transport_options["confirm_publish"] is True
    assert rabbit.heartbeat
    with pytest.raises(ValueError, match="redis"):
        connect("redis://localhost")


def test_ping_answers_for_a_bootstrapped_embedded_broker(bootstrapped: str) -> None:
    ping(bootstrapped)


def test_ping_raises_for_a_missing_embedded_broker_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(sqlite3.OperationalError):
        ping(f"sqlite:///{tmp_path / 'missing.sqlite3'}")
    assert list(tmp_path.iterdir()) == []


def test_ping_raises_for_a_file_that_was_never_bootstrapped(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "empty.sqlite3").close()
    with pytest.raises(sqlite3.OperationalError, match="not bootstrapped"):
        ping(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
