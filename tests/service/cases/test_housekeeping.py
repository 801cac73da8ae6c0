"""The worker forgets processed events after 30 days (its periodic job, on the service's
clock) and still skips a recent event delivered again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.messaging.envelope import Event
from common.service_worker import WorkerParts
from common.testing.clock import MovableClock
from common.testing.services import test_settings
from services.cases import SERVICE
from services.cases.models import OrgDirectoryEntry, ProcessedEvent

START = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)


def org_registered(name: str) -> Event:
    org_id, consortium_id = uuid.uuid4(), uuid.uuid4()
    return Event(
        type="org.registered",
        producer="auth",
        org_id=org_id,
        consortium_id=consortium_id,
        subject_id=org_id,
        occurred_at=START,
        data={
            "org_id": str(org_id),
            "consortium_id": str(consortium_id),
            "name": name,
            "kind": "npo",
            "sector": "private",
            "status": "active",
        },
    )


def run(parts: WorkerParts, name: str) -> None:
    (task,) = [t for t in parts.periodic if t.name == name]
    task.run()


def remembered(sessions: sessionmaker[Session]) -> set[uuid.UUID]:
    with sessions() as session:
        return set(session.scalars(sa.select(ProcessedEvent.event_id)))


def test_processed_events_older_than_30_days_are_pruned_and_recent_ones_stay_known(
    sessions: sessionmaker[Session], clock: MovableClock, tmp_path: Path
) -> None:
    parts = SERVICE.worker_parts(
        SERVICE.runtime(test_settings(tmp_path), session_factory=sessions, clock=clock)
    )
    consumer = parts.consumer
    assert consumer is not None
    old, recent = org_registered("古い団体"), org_registered("新しい団体")
    clock.set(START)
    assert consumer.apply(old)
    clock.set(START + timedelta(days=20))
    assert consumer.apply(recent)

    clock.set(START + timedelta(days=29, hours=23))
    run(parts, "prune-processed-events")
    assert remembered(sessions) >= {old.id, recent.id}  # nothing is 30 days old yet

    clock.set(START + timedelta(days=30, seconds=1))
    run(parts, "prune-processed-events")
    assert old.id not in remembered(sessions)
    assert recent.id in remembered(sessions)

    # The recent event, delivered again, is recognised: its effect is not made twice.
    with sessions() as session:
        session.execute(
            sa.update(OrgDirectoryEntry)
            .where(OrgDirectoryEntry.org_id == uuid.UUID(recent.data["org_id"]))
            .values(name="書き換え")
        )
        session.commit()
    assert consumer.apply(recent) is False
    with sessions() as session:
        entry = session.get(OrgDirectoryEntry, uuid.UUID(recent.data["org_id"]))
        assert entry is not None
        assert entry.name == "書き換え"
