"""Keeping the read model up to date as events arrive, one event at a time.

Every change here is a set insertion or a counter increment, both of which commute, so
the end state does not depend on the order events arrive in; a duplicate never gets this
far (the stored event's unique id, and the consumer's tracking row, stop it first).
Statements are plain ``INSERT … ON CONFLICT`` upserts, atomic under concurrent consumers
on PostgreSQL; on SQLite, writers are serialized by ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import UnusableEvent
from common.fiscal import fiscal_year_of
from common.messaging.envelope import Event
from common.orgdirectory import ORG_EVENT_TYPES, apply_org_event
from services.reports.domain.access import ScopeKind
from services.reports.domain.allowances import payment_of
from services.reports.domain.facts import facts_of
from services.reports.domain.ladder import rungs_of
from services.reports.domain.referrals import STATUS_EVENTS
from services.reports.models import (
    AllowancePayment,
    Fact,
    LadderStep,
    Membership,
    OrgDirectoryEntry,
    PersonMonth,
    PersonSet,
    ReferralRecord,
    StoredEvent,
    Tally,
)

log = logging.getLogger(__name__)


def insert_for(session: Session, table: Any) -> Any:
    """``INSERT`` with ``ON CONFLICT`` support for the session's dialect."""
    bind = session.get_bind()
    module = postgresql if bind.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def _inserted(result: sa.Result[Any]) -> bool:
    """Whether an ``INSERT … ON CONFLICT DO NOTHING RETURNING …`` wrote its row. (Not
    ``rowcount``: with PostgreSQL's implicit RETURNING of a serial key it counts the
    parameter sets, not the rows written.)"""
    return result.first() is not None


def _uuid(value: Any) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise UnusableEvent(f"{value!r} is not a uuid") from exc


# --- storing ---------------------------------------------------------------------------


def store_event(session: Session, event: Event) -> bool:
    """Keep the event once. False if it had been stored already (a redelivery)."""
    connection = session.connection()
    params = {
        "event_id": event.id,
        "type": event.type,
        "occurred_at": event.occurred_at,
        "org_id": event.org_id,
        "consortium_id": event.consortium_id,
        "received_at": utcnow(),
        "body": event.to_json(),
    }
    return _inserted(connection.execute(_statements(connection).event_insert, params))


def apply_event(session: Session, event: Event) -> None:
    """The consumer's handler for every event type the reports queue hears."""
    if not store_event(session, event):
        return
    project(session, event)


def project(session: Session, event: Event) -> None:
    """Bring every aggregate up to date with one (newly stored) event."""
    if event.type in ORG_EVENT_TYPES:
        apply_org_event(session, OrgDirectoryEntry, event)
        record_membership(session, event)
        org_id = _uuid(event.data.get("org_id"))
        consortium_id = _uuid(event.data.get("consortium_id"))
        if org_id is not None and consortium_id is not None:
            resolve_pending(session, org_id, consortium_id)
    elif event.type in STATUS_EVENTS:
        apply_referral(session, event)
    else:
        count_event(session, event)


def record_membership(session: Session, event: Event) -> None:
    """Every org of a consortium is a member; ``org.registered`` dates it (the earliest
    heard). The start date a consortium admin set is never touched here."""
    org_id = _uuid(event.data.get("org_id"))
    consortium_id = _uuid(event.data.get("consortium_id"))
    if org_id is None or consortium_id is None:
        return
    registered = event.occurred_at if event.type == "org.registered" else None
    table = cast(sa.Table, Membership.__table__)
    stmt = insert_for(session, Membership).values(
        org_id=org_id, consortium_id=consortium_id, registered_at=registered
    )
    earlier = sa.or_(
        table.c.registered_at.is_(None), stmt.excluded.registered_at < table.c.registered_at
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["org_id"],
            set_={
                "consortium_id": stmt.excluded.consortium_id,
                "registered_at": sa.case(
                    (
                        sa.and_(stmt.excluded.registered_at.is_not(None), earlier),
                        stmt.excluded.registered_at,
                    ),
                    else_=table.c.registered_at,
                ),
            },
        )
    )


# --- facts -----------------------------------------------------------------------------


def consortium_of(session: Session, event: Event) -> uuid.UUID | None:
    """The envelope's consortium, else the org directory's; None while neither knows."""
    if event.consortium_id is not None:
        return event.consortium_id
    if event.org_id is None:
        return None
    return session.scalar(
        sa.select(OrgDirectoryEntry.consortium_id).where(OrgDirectoryEntry.org_id == event.org_id)
    )


def fact_rows(event: Event, consortium_id: uuid.UUID | None) -> list[dict[str, Any]]:
    return facts_for(event.id, event.type, event.data, event.org_id, consortium_id)


def facts_for(
    event_id: uuid.UUID,
    event_type: str,
    data: dict[str, Any],
    org_id: uuid.UUID | None,
    consortium_id: uuid.UUID | None,
) -> list[dict[str, Any]]:
    """The ``report_facts`` rows of one event (the consumer's and the rebuild's)."""
    return [
        {
            "event_id": event_id,
            "measure": f.measure,
            "org_id": org_id,
            "consortium_id": consortium_id,
            "fiscal_year": f.fiscal_year,
            "period": f.period,
            "subject": f.subject,
            "occurred_at": f.occurred_at,
        }
        for f in facts_of(event_type, data)
    ]


def count_event(session: Session, event: Event) -> None:
    consortium_id = consortium_of(session, event)
    record_payment(session, event.id, event.type, event.data, event.org_id, consortium_id)
    record_rung(session, event.type, event.data, event.org_id, consortium_id)
    rows = fact_rows(event, consortium_id)
    if not rows:
        return
    session.execute(sa.insert(cast(sa.Table, Fact.__table__)), rows)
    for row in rows:
        if row["org_id"] is not None:
            count_fact(session, ScopeKind.ORG, row["org_id"], row)
        if row["consortium_id"] is not None:
            count_fact(session, ScopeKind.CONSORTIUM, row["consortium_id"], row)


def record_payment(
    session: Session,
    event_id: uuid.UUID,
    event_type: str,
    data: dict[str, Any],
    org_id: uuid.UUID | None,
    consortium_id: uuid.UUID | None,
) -> None:
    """Keep the allowance an activity records (the ledger's one row per payment)."""
    payment = payment_of(event_type, data)
    if payment is None:
        return
    if org_id is None:
        raise UnusableEvent("an allowance without the paying org")
    session.execute(
        insert_for(session, AllowancePayment)
        .values(
            event_id=event_id,
            org_id=org_id,
            consortium_id=consortium_id,
            person_key=payment.person_key,
            activity_type=payment.activity_type,
            fiscal_year=payment.fiscal_year,
            occurred_at=payment.occurred_at,
            days=payment.days,
            allowance_yen=payment.allowance_yen,
        )
        .on_conflict_do_nothing()
    )


def record_rung(
    session: Session,
    event_type: str,
    data: dict[str, Any],
    org_id: uuid.UUID | None,
    consortium_id: uuid.UUID | None,
) -> None:
    """Keep the earliest date a person reached a rung at an org: an upsert that keeps the
    smaller date, so events may arrive in any order."""
    step = rungs_of(event_type, data)
    if step is None or org_id is None:
        return
    table = cast(sa.Table, LadderStep.__table__)
    stmt = insert_for(session, LadderStep).values(
        org_id=org_id,
        person_key=step.person_key,
        rung=step.rung,
        consortium_id=consortium_id,
        reached_at=step.reached_at,
        fiscal_year=step.fiscal_year,
    )
    earlier = stmt.excluded.reached_at < table.c.reached_at
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["org_id", "person_key", "rung"],
            set_={
                "reached_at": sa.case(
                    (earlier, stmt.excluded.reached_at), else_=table.c.reached_at
                ),
                "fiscal_year": sa.case(
                    (earlier, stmt.excluded.fiscal_year), else_=table.c.fiscal_year
                ),
                "consortium_id": sa.func.coalesce(
                    table.c.consortium_id, stmt.excluded.consortium_id
                ),
            },
        )
    )


def resolve_pending(session: Session, org_id: uuid.UUID, consortium_id: uuid.UUID) -> None:
    """Facts of an org heard of before its consortium was: count them for it now."""
    for model in (AllowancePayment, LadderStep):
        session.execute(
            sa.update(model)
            .where(model.org_id == org_id, model.consortium_id.is_(None))
            .values(consortium_id=consortium_id)
        )
    pending = session.scalars(
        sa.select(Fact)
        .where(Fact.org_id == org_id, Fact.consortium_id.is_(None))
        .order_by(Fact.event_id, Fact.measure)
        .with_for_update()
    ).all()
    for fact in pending:
        fact.consortium_id = consortium_id
        count_fact(
            session,
            ScopeKind.CONSORTIUM,
            consortium_id,
            {
                "fiscal_year": fact.fiscal_year,
                "period": fact.period,
                "measure": fact.measure,
                "subject": fact.subject,
            },
        )
    if pending:
        session.flush()
        log.info("pending facts counted", extra={"org_id": str(org_id), "facts": len(pending)})


class _Statements:
    """The statements of :func:`store_event` and :func:`count_fact`, built once per dialect
    with bind parameters (building them per fact cost more than running them)."""

    def __init__(self, dialect: str) -> None:
        module: Any = postgresql if dialect == "postgresql" else sqlite
        months, sets, tallies = (
            cast(sa.Table, PersonMonth.__table__),
            cast(sa.Table, PersonSet.__table__),
            cast(sa.Table, Tally.__table__),
        )
        events = cast(sa.Table, StoredEvent.__table__)
        self.event_insert = (
            module.insert(events)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(events.c.seq)
        )
        self.month_insert = (
            module.insert(months).on_conflict_do_nothing().returning(months.c.period)
        )
        key = sa.and_(
            *(
                sets.c[name] == sa.bindparam(f"k_{name}")
                for name in ("scope_kind", "scope_id", "fiscal_year", "measure", "subject")
            )
        )
        self.set_select = sa.select(sets.c.first_period).where(key).with_for_update()
        self.set_insert = (
            module.insert(sets).on_conflict_do_nothing().returning(sets.c.first_period)
        )
        self.set_update = sa.update(sets).where(key).values(first_period=sa.bindparam("k_period"))
        upsert = module.insert(tallies)
        self.tally_upsert = upsert.on_conflict_do_update(
            index_elements=["scope_kind", "scope_id", "fiscal_year", "period", "measure"],
            set_={
                "events": tallies.c.events + upsert.excluded.events,
                "persons": tallies.c.persons + upsert.excluded.persons,
                "new_persons": tallies.c.new_persons + upsert.excluded.new_persons,
            },
        )


_STATEMENTS: dict[str, _Statements] = {}


def _statements(connection: sa.Connection) -> _Statements:
    name = connection.dialect.name
    if name not in _STATEMENTS:
        _STATEMENTS[name] = _Statements(name)
    return _STATEMENTS[name]


def count_fact(
    session: Session, kind: ScopeKind, scope_id: uuid.UUID, fact: dict[str, Any]
) -> None:
    """Count one fact for one scope: the month's and the year's person sets, and the
    tallies of the year (period 0) and of the month."""
    connection = session.connection()
    st = _statements(connection)
    period = fact["period"]
    key = {
        "scope_kind": kind.value,
        "scope_id": scope_id,
        "fiscal_year": fact["fiscal_year"],
        "measure": fact["measure"],
    }
    person = key | {"subject": fact["subject"]}
    person_key = {f"k_{name}": value for name, value in person.items()}
    # period → [events, persons, new_persons]
    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    deltas[0][0] += 1
    deltas[period][0] += 1

    if _inserted(connection.execute(st.month_insert, person | {"period": period})):
        deltas[period][1] += 1

    first = connection.execute(st.set_select, person_key).scalar()
    if first is None:
        if _inserted(connection.execute(st.set_insert, person | {"first_period": period})):
            deltas[0][1] += 1
            deltas[0][2] += 1
            deltas[period][2] += 1
        else:  # a concurrent consumer counted this person first
            first = connection.execute(st.set_select, person_key).scalar()
    if first is not None and period < first:
        # An earlier fact arrived late: the person is new in an earlier month.
        connection.execute(st.set_update, person_key | {"k_period": period})
        deltas[first][2] -= 1
        deltas[period][2] += 1

    # One order everywhere, so that concurrent upserts cannot deadlock.
    for p in sorted(deltas):
        events, persons, new_persons = deltas[p]
        connection.execute(
            st.tally_upsert,
            key | {"period": p, "events": events, "persons": persons, "new_persons": new_persons},
        )


# --- referrals -------------------------------------------------------------------------


def _at(event: Event) -> datetime:
    raw = event.data.get("at")
    if not raw:
        return event.occurred_at
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError as exc:
        raise UnusableEvent("at is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise UnusableEvent("at has no UTC offset")
    return moment


def apply_referral(session: Session, event: Event) -> None:
    """Record when the referral reached this status; keep the earliest time per status."""
    data = event.data
    referral_id = _uuid(data.get("referral_id")) or event.subject_id
    from_org = _uuid(data.get("from_org_id"))
    to_org = _uuid(data.get("to_org_id"))
    if referral_id is None or from_org is None or to_org is None:
        raise UnusableEvent("referral_id, from_org_id and to_org_id are required")
    at = _at(event)
    try:
        year = int(data["fiscal_year"]) if data.get("fiscal_year") is not None else None
    except (TypeError, ValueError) as exc:
        raise UnusableEvent("fiscal_year is not an integer") from exc
    if year is None:
        year = fiscal_year_of(at)
    session.execute(
        insert_for(session, ReferralRecord)
        .values(
            referral_id=referral_id,
            consortium_id=event.consortium_id,
            from_org_id=from_org,
            to_org_id=to_org,
            fiscal_year=year,
        )
        .on_conflict_do_nothing()
    )
    record = session.scalars(
        sa.select(ReferralRecord)
        .where(ReferralRecord.referral_id == referral_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    column = STATUS_EVENTS[event.type]
    current = getattr(record, column)
    if current is None or at < current:
        setattr(record, column, at)
    if event.type == "referral.sent":
        record.sent_fiscal_year = year
        record.fiscal_year = year
    elif record.sent_fiscal_year is None:
        record.fiscal_year = min(record.fiscal_year, year)
    if record.consortium_id is None and event.consortium_id is not None:
        record.consortium_id = event.consortium_id
    session.flush()
