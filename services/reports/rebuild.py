"""Recomputing the whole read model from the stored events (``reports-rebuild``).

The facts are derived again by the same pure rules the consumer uses
(:func:`services.reports.domain.facts.facts_of`), so a changed KPI definition takes effect
for the past too; the aggregates are then computed set-wise in SQL, which is what makes a
rebuild of millions of facts take seconds rather than hours. Tests check that a rebuild
gives exactly the tables the incremental consumer built.

It runs in one transaction: readers see the old figures until it commits. On PostgreSQL
it locks ``report_events`` first, so a consumer waits rather than racing it; on SQLite the
``BEGIN IMMEDIATE`` write lock does the same.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from common.errors import UnusableEvent
from common.messaging.envelope import Event, MalformedEvent
from common.orgdirectory import ORG_EVENT_TYPES, apply_org_event
from services.reports.domain.access import ScopeKind
from services.reports.domain.facts import TIME_FIELDS
from services.reports.domain.ladder import Step, rungs_of
from services.reports.domain.referrals import STATUS_EVENTS
from services.reports.models import (
    AllowancePayment,
    Fact,
    LadderStep,
    OrgDirectoryEntry,
    PersonMonth,
    PersonSet,
    ReferralRecord,
    StoredEvent,
    Tally,
)
from services.reports.projection import (
    apply_referral,
    facts_for,
    record_membership,
    record_payment,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

BATCH = 5000
DERIVED = (
    Tally,
    PersonMonth,
    PersonSet,
    Fact,
    AllowancePayment,
    LadderStep,
    ReferralRecord,
    OrgDirectoryEntry,
)
"""Everything a rebuild recomputes; targets, plans and snapshots are not derived."""
LADDER_ONLY = ("case.stage_changed",)
"""Types that count no KPI fact but date a rung of the ladder."""


@dataclass
class RebuildStats:
    events: int = 0
    facts: int = 0
    tallies: int = 0
    skipped: list[str] = field(default_factory=list)
    """Ids of stored events the current rules cannot use (logged, not counted)."""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "facts": self.facts,
            "tallies": self.tallies,
            "skipped": len(self.skipped),
            "seconds": round(self.seconds, 2),
        }


def _stored(session: Session, types: tuple[str, ...]) -> Any:
    """Stored events of ``types`` in arrival order, in batches (keyset on ``seq``)."""
    last = 0
    while True:
        rows = session.execute(
            sa.select(
                StoredEvent.seq,
                StoredEvent.event_id,
                StoredEvent.type,
                StoredEvent.org_id,
                StoredEvent.consortium_id,
                StoredEvent.body,
            )
            .where(StoredEvent.type.in_(types), StoredEvent.seq > last)
            .order_by(StoredEvent.seq)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].seq


def rebuild(session: Session) -> RebuildStats:
    """Recompute every derived table from ``report_events``, then commit."""
    started = time.perf_counter()
    stats = RebuildStats()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE report_events IN EXCLUSIVE MODE"))
    for model in DERIVED:
        session.execute(sa.delete(model))

    # 1. The org directory first: facts take their consortium from it when the envelope
    #    has none (as the consumer's pending facts did once the org was heard of).
    for batch in _stored(session, ORG_EVENT_TYPES):
        for row in batch:
            stats.events += 1
            org_event = Event.from_json(row.body)
            apply_org_event(session, OrgDirectoryEntry, org_event)
            record_membership(session, org_event)
        session.flush()
    consortia = dict(
        session.execute(sa.select(OrgDirectoryEntry.org_id, OrgDirectoryEntry.consortium_id)).all()
    )

    # 2. Referrals: few, order-safe upserts.
    for batch in _stored(session, tuple(STATUS_EVENTS)):
        for row in batch:
            stats.events += 1
            _guarded(stats, row, lambda event: apply_referral(session, event))

    # 3. Facts, derived again from each event, inserted in bulk. The envelope's ids were
    #    kept in columns when the event was stored; only ``data`` is read from the body.
    facts = cast(sa.Table, Fact.__table__)
    # The ladder keeps each person's earliest date per rung and member: reduced here in
    # memory (one row per person and rung) rather than one upsert per event.
    ladder: dict[tuple[uuid.UUID, str, str], tuple[Step, uuid.UUID | None]] = {}
    for batch in _stored(session, (*TIME_FIELDS, *LADDER_ONLY)):
        rows: list[dict[str, Any]] = []
        for row in batch:
            stats.events += 1
            try:
                data = json.loads(row.body).get("data") or {}
                consortium_id = row.consortium_id or (
                    consortia.get(row.org_id) if row.org_id else None
                )
                found = facts_for(row.event_id, row.type, data, row.org_id, consortium_id)
                step = rungs_of(row.type, data)
                record_payment(session, row.event_id, row.type, data, row.org_id, consortium_id)
                rows.extend(found)
                if step is not None and row.org_id is not None:
                    _keep_earliest(ladder, row.org_id, consortium_id, step)
            except (UnusableEvent, ValueError, AttributeError) as exc:
                _skip(stats, row, exc)
        if rows:
            session.execute(sa.insert(facts), rows)
            stats.facts += len(rows)

    _insert_ladder(session, ladder)

    # 4. The aggregates, set-wise.
    for kind, column in ((ScopeKind.ORG, Fact.org_id), (ScopeKind.CONSORTIUM, Fact.consortium_id)):
        stats.tallies += _aggregate(session, kind, column)
    session.commit()
    stats.seconds = time.perf_counter() - started
    log.info("reports rebuilt", extra=stats.as_dict())
    return stats


def _keep_earliest(
    ladder: dict[tuple[uuid.UUID, str, str], tuple[Step, uuid.UUID | None]],
    org_id: uuid.UUID,
    consortium_id: uuid.UUID | None,
    step: Step,
) -> None:
    key = (org_id, step.person_key, step.rung)
    kept = ladder.get(key)
    if kept is None or step.reached_at < kept[0].reached_at:
        ladder[key] = (step, consortium_id if kept is None else kept[1] or consortium_id)
    elif kept[1] is None and consortium_id is not None:
        ladder[key] = (kept[0], consortium_id)


def _insert_ladder(
    session: Session, ladder: dict[tuple[uuid.UUID, str, str], tuple[Step, uuid.UUID | None]]
) -> None:
    rows = [
        {
            "org_id": org_id,
            "person_key": person_key,
            "rung": rung,
            "consortium_id": consortium_id,
            "reached_at": step.reached_at,
            "fiscal_year": step.fiscal_year,
        }
        for (org_id, person_key, rung), (step, consortium_id) in ladder.items()
    ]
    table = cast(sa.Table, LadderStep.__table__)
    for start in range(0, len(rows), BATCH):
        session.execute(sa.insert(table), rows[start : start + BATCH])


def _guarded(stats: RebuildStats, row: Any, action: Callable[[Event], T]) -> T | None:
    try:
        return action(Event.from_json(row.body))
    except (UnusableEvent, MalformedEvent) as exc:
        _skip(stats, row, exc)
        return None


def _skip(stats: RebuildStats, row: Any, exc: Exception) -> None:
    stats.skipped.append(str(row.event_id))
    log.warning(
        "stored event skipped by rebuild", extra={"event_id": str(row.event_id), "error": str(exc)}
    )


def _aggregate(session: Session, kind: ScopeKind, column: InstrumentedAttribute[Any]) -> int:
    scope = sa.literal(kind.value, PersonSet.scope_kind.type)
    present = column.is_not(None)
    session.execute(
        sa.insert(PersonSet).from_select(
            ["scope_kind", "scope_id", "fiscal_year", "measure", "subject", "first_period"],
            sa.select(
                scope,
                column,
                Fact.fiscal_year,
                Fact.measure,
                Fact.subject,
                sa.func.min(Fact.period),
            )
            .where(present)
            .group_by(column, Fact.fiscal_year, Fact.measure, Fact.subject),
        )
    )
    session.execute(
        sa.insert(PersonMonth).from_select(
            ["scope_kind", "scope_id", "fiscal_year", "period", "measure", "subject"],
            sa.select(scope, column, Fact.fiscal_year, Fact.period, Fact.measure, Fact.subject)
            .where(present)
            .distinct(),
        )
    )
    # (scope_id, year, period, measure) → [events, persons, new_persons]
    tallies: dict[tuple[uuid.UUID, int, int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for scope_id, year, measure, events, persons in session.execute(
        sa.select(
            column,
            Fact.fiscal_year,
            Fact.measure,
            sa.func.count(),
            sa.func.count(sa.distinct(Fact.subject)),
        )
        .where(present)
        .group_by(column, Fact.fiscal_year, Fact.measure)
    ):
        tallies[(scope_id, year, 0, measure)] = [events, persons, persons]
    for scope_id, year, period, measure, events, persons in session.execute(
        sa.select(
            column,
            Fact.fiscal_year,
            Fact.period,
            Fact.measure,
            sa.func.count(),
            sa.func.count(sa.distinct(Fact.subject)),
        )
        .where(present)
        .group_by(column, Fact.fiscal_year, Fact.period, Fact.measure)
    ):
        tallies[(scope_id, year, period, measure)][:2] = [events, persons]
    for scope_id, year, period, measure, new_persons in session.execute(
        sa.select(
            PersonSet.scope_id,
            PersonSet.fiscal_year,
            PersonSet.first_period,
            PersonSet.measure,
            sa.func.count(),
        )
        .where(PersonSet.scope_kind == kind.value)
        .group_by(
            PersonSet.scope_id, PersonSet.fiscal_year, PersonSet.first_period, PersonSet.measure
        )
    ):
        tallies[(scope_id, year, period, measure)][2] = new_persons
    rows = [
        {
            "scope_kind": kind.value,
            "scope_id": scope_id,
            "fiscal_year": year,
            "period": period,
            "measure": measure,
            "events": counts[0],
            "persons": counts[1],
            "new_persons": counts[2],
        }
        for (scope_id, year, period, measure), counts in tallies.items()
    ]
    tallies_table = cast(sa.Table, Tally.__table__)
    for start in range(0, len(rows), BATCH):
        session.execute(sa.insert(tallies_table), rows[start : start + BATCH])
    return len(rows)
