"""Reads on SQLite do not queue behind writes (common/db.py): GET requests run in deferred
transactions; an audit entry appended after a read takes the write lock afresh (the hop);
a read that updates and loses the race is run again, immediate, with nothing doubled."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from common.db import (
    TYPE_ANNOTATION_MAP,
    deferred_transactions,
    is_lost_upgrade,
    make_engine,
    make_session_factory,
    new_metadata,
    transactions_deferred,
)
from common.http.service import _ServiceFlask


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class Counter(Base):
    __tablename__ = "counters"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int]


class Entry(Base):
    __tablename__ = "entries"
    __append_only__ = True
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    note: Mapped[str]


class Plain(Base):
    __tablename__ = "plain"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.sqlite3'}")
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        session.add(Counter(id=1, value=0))
        session.commit()
    yield factory
    engine.dispose()


def write_elsewhere(sessions: sessionmaker[Session]) -> None:
    """A commit by another request, on another thread (so, immediate)."""

    def bump() -> None:
        with sessions() as other:
            other.get_one(Counter, 1).value += 1
            other.commit()

    thread = threading.Thread(target=bump)
    thread.start()
    thread.join(10)


def test_an_audit_append_after_a_read_succeeds_although_another_wrote_meanwhile(
    sessions: sessionmaker[Session],
) -> None:
    with deferred_transactions(), sessions() as reader:
        assert reader.get_one(Counter, 1).value == 0  # the read snapshot begins
        write_elsewhere(sessions)
        reader.add(Entry(note="read counter 1"))
        reader.commit()  # the hop: no SQLITE_BUSY_SNAPSHOT
        assert not transactions_deferred()  # the rest of the request is immediate
    with sessions() as check:
        assert check.scalar(sa.select(sa.func.count()).select_from(Entry)) == 1
        assert check.get_one(Counter, 1).value == 1


def test_any_other_write_after_a_read_keeps_sqlites_upgrade_and_loses_the_race(
    sessions: sessionmaker[Session],
) -> None:
    with deferred_transactions(), sessions() as reader:
        reader.get_one(Counter, 1)
        write_elsewhere(sessions)
        reader.add(Plain())
        with pytest.raises(sa.exc.OperationalError) as lost:
            reader.commit()
        assert is_lost_upgrade(lost.value)
    with sessions() as check:
        assert check.scalar(sa.select(sa.func.count()).select_from(Plain)) == 0


def test_a_hop_never_commits_what_the_transaction_wrote_before(
    sessions: sessionmaker[Session],
) -> None:
    with deferred_transactions(), sessions() as reader:
        reader.get_one(Counter, 1).value = 100
        reader.flush()  # an update: the transaction is a writer from here on
        reader.add(Entry(note="after an update"))
        reader.flush()
        reader.rollback()  # everything goes, the update included
    with sessions() as check:
        assert check.get_one(Counter, 1).value == 0
        assert check.scalar(sa.select(sa.func.count()).select_from(Entry)) == 0


def test_a_read_that_updates_and_loses_the_race_runs_again_once_immediate(
    sessions: sessionmaker[Session],
) -> None:
    app = _ServiceFlask(__name__)
    attempts: list[bool] = []

    @app.before_request
    def _begin() -> None:  # as create_service_app does for GET
        g.deferred = deferred_transactions()
        g.deferred.__enter__()
        g._db = sessions()

    @app.teardown_request
    def _end(_error: BaseException | None) -> None:
        g.pop("_db").close()
        g.pop("deferred").__exit__(None, None, None)

    @app.get("/mark")
    def mark() -> dict[str, int]:
        attempts.append(transactions_deferred())
        session: Session = g._db
        counter = session.get_one(Counter, 1)
        if len(attempts) == 1:
            write_elsewhere(sessions)  # someone commits between our read and our write
        counter.value += 10
        session.add(Entry(note="marked"))
        session.commit()
        return {"value": counter.value}

    answer = app.test_client().get("/mark")
    assert answer.status_code == 200
    assert attempts == [True, False]  # deferred, then immediate
    assert answer.get_json() == {"value": 11}  # the other's +1 is not lost
    with sessions() as check:
        assert check.get_one(Counter, 1).value == 11
        assert check.scalar(sa.select(sa.func.count()).select_from(Entry)) == 1
