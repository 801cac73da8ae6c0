"""A producer service and a consumer service in miniature, run as real OS processes by the
end-to-end tests and the benchmark:

    python -m tests.support.event_procs relay    --db URL --broker URL --namespace NS
    python -m tests.support.event_procs consumer --db URL --broker URL --namespace NS \
        [--visibility-timeout S] [--hang-on EVENT_ID --marker PATH] [--die-after-commit ...]

The producer's outbox and the consumer's tables may live in one database or two. The consumer
("reports") writes one ``effects`` row per applied ``case.opened``; ``effects.event_id`` is
deliberately not unique, so a double effect would be counted, not hidden.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from common.clock import utcnow
from common.db import TYPE_ANNOTATION_MAP, make_engine, make_session_factory, new_metadata
from common.logging import configure_logging
from common.messaging.consumer import EventConsumer
from common.messaging.envelope import Event
from common.messaging.outbox import OutboxMixin, ProcessedEventMixin, record_event
from common.messaging.relay import OutboxRelay
from common.messaging.worker import run_worker

REPO_ROOT = Path(__file__).resolve().parents[2]
CONSUMER = "reports"
EVENT_TYPE = "case.opened"


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Effect(Base):
    __tablename__ = "effects"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(index=True)
    pid: Mapped[int]
    occurred_at: Mapped[datetime]
    """When the producer recorded the event, just before its commit."""
    applied_at: Mapped[datetime]
    """When the consumer's handler ran, just before the consumer's commit."""


def session_factory(url: str) -> sessionmaker[Session]:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    return make_session_factory(engine)


def record_effect(session: Session, event: Event) -> None:
    session.add(
        Effect(
            event_id=event.id, pid=os.getpid(), occurred_at=event.occurred_at, applied_at=utcnow()
        )
    )


def write_events(
    factory: sessionmaker[Session], count: int, *, per_transaction: int = 100
) -> list[uuid.UUID]:
    """Record ``count`` events in the outbox, as a producing service would."""
    ids: list[uuid.UUID] = []
    while len(ids) < count:
        with factory() as session, session.begin():
            for _ in range(min(per_transaction, count - len(ids))):
                event = Event(type=EVENT_TYPE, producer="cases", data={"n": len(ids)})
                record_event(session, OutboxEvent, event)
                ids.append(event.id)
    return ids


def effect_counts(factory: sessionmaker[Session]) -> tuple[int, int]:
    """(effect rows, distinct event ids among them)."""
    with factory() as session, session.begin():
        row = session.execute(
            sa.select(sa.func.count(Effect.id), sa.func.count(sa.distinct(Effect.event_id)))
        ).one()
    return int(row[0]), int(row[1])


def unpublished(factory: sessionmaker[Session]) -> int:
    with factory() as session, session.begin():
        return int(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
            )
            or 0
        )


def _claim(marker: str | None) -> bool:
    """True for the first process to get here, across processes (O_EXCL)."""
    if not marker:
        return False
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    return True


class ScriptedConsumer(EventConsumer):
    """Misbehaves once, on cue: hangs holding the message, or dies between commit and ack."""

    def __init__(
        self,
        *,
        hang_on: uuid.UUID | None,
        die_after_commit: uuid.UUID | None,
        marker: str | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.hang_on = hang_on
        self.die_after_commit = die_after_commit
        self.marker = marker

    def apply(self, event: Event) -> bool:
        if event.id == self.hang_on and _claim(self.marker):
            time.sleep(3600)  # holding the lease until the test kills us
        applied = super().apply(event)
        if event.id == self.die_after_commit and _claim(self.marker):
            os.kill(os.getpid(), signal.SIGKILL)  # committed, never acked
        return applied


def spawn(role: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
    """Start ``role`` as a separate Python process; its stderr goes to ``log``."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.support.event_procs", role, *args],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> int:
    """SIGTERM and wait (a clean worker stop); SIGKILL if it does not stop in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="event_procs")
    parser.add_argument("role", choices=["relay", "consumer"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--broker", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--poll-seconds", type=float, default=0.05)
    parser.add_argument("--visibility-timeout", type=float, default=30.0)
    parser.add_argument("--hang-on", type=uuid.UUID)
    parser.add_argument("--die-after-commit", type=uuid.UUID)
    parser.add_argument("--marker")
    args = parser.parse_args(argv)
    configure_logging(f"test-{args.role}", level="WARNING")

    factory = session_factory(args.db)
    if args.role == "relay":
        relay = OutboxRelay(
            session_factory=factory,
            outbox_model=OutboxEvent,
            broker_url=args.broker,
            namespace=args.namespace,
            poll_seconds=args.poll_seconds,
        )
        return run_worker(name="test-relay", relay=relay, consumer=None)
    consumer = ScriptedConsumer(
        name=CONSUMER,
        session_factory=factory,
        processed_model=ProcessedEvent,
        handlers={EVENT_TYPE: record_effect},
        broker_url=args.broker,
        namespace=args.namespace,
        poll_seconds=args.poll_seconds,
        visibility_timeout=args.visibility_timeout,
        hang_on=args.hang_on,
        die_after_commit=args.die_after_commit,
        marker=args.marker,
    )
    return run_worker(name="test-consumer", relay=None, consumer=consumer)


if __name__ == "__main__":
    sys.exit(main())
