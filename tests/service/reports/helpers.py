"""Feeding events to the read model and looking at every table, for the reports tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.messaging.consumer import EventConsumer
from common.messaging.envelope import Event
from services.reports.consumers import HANDLERS
from services.reports.models import (
    AllowancePayment,
    Fact,
    LadderStep,
    OrgDirectoryEntry,
    PersonMonth,
    PersonSet,
    ProcessedEvent,
    ReferralRecord,
    StoredEvent,
    Tally,
)

CONSUMER = "reports"
DERIVED = (
    Fact,
    PersonSet,
    PersonMonth,
    Tally,
    AllowancePayment,
    LadderStep,
    ReferralRecord,
    OrgDirectoryEntry,
)


def consume(sessions: sessionmaker[Session], events: Iterable[Event]) -> int:
    """Apply each event through the real ``EventConsumer.apply`` (tracking row and handler in
    one transaction); returns how many were new. No broker is touched."""
    consumer = EventConsumer(
        name=CONSUMER,
        session_factory=sessions,
        processed_model=ProcessedEvent,
        handlers=HANDLERS,
        broker_url="sqlite:///unused-broker.sqlite3",
        namespace="reports-tests",
    )
    return sum(1 for event in events if consumer.apply(event))


def feed(sessions: sessionmaker[Session], events: Iterable[Event]) -> None:
    """Apply every event through the handler in one transaction (no tracking rows)."""
    with sessions() as session:
        for event in events:
            HANDLERS[event.type](session, event)
        session.commit()


def _rows(session: Session, model: Any) -> list[tuple[Any, ...]]:
    columns = [c for c in model.__table__.columns]
    return sorted(
        (tuple(str(v) for v in row) for row in session.execute(sa.select(*columns))),
    )


def dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every derived table, sorted: two read models are the same iff their dumps are."""
    return {model.__tablename__: _rows(session, model) for model in DERIVED}


def wipe(session: Session) -> None:
    """Forget every event and everything derived from them (targets and snapshots stay)."""
    for model in (*DERIVED, StoredEvent, ProcessedEvent):
        session.execute(sa.delete(model))
    session.commit()
