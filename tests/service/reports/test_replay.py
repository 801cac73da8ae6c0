"""Replay: the read model is the same whatever the order or number of deliveries, and a
rebuild from the stored events reproduces it exactly."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from services.reports.models import StoredEvent
from services.reports.rebuild import rebuild
from tests.service.reports.helpers import consume, dump, feed, wipe
from tests.service.reports.scenarios import mixed_year


def test_consuming_the_same_events_twice_changes_nothing(
    sessions: sessionmaker[Session], session: Session
) -> None:
    scenario = mixed_year()
    assert consume(sessions, scenario.events) == len(scenario.events)
    once = dump(session)
    assert consume(sessions, scenario.events) == 0
    assert dump(session) == once
    # Even without the consumer's tracking rows, the stored event id refuses a second count.
    feed(sessions, scenario.events)
    assert dump(session) == once
    assert session.scalar(sa.select(sa.func.count()).select_from(StoredEvent)) == len(
        scenario.events
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_shuffled_order_gives_the_same_read_model(
    sessions: sessionmaker[Session], session: Session, seed: int
) -> None:
    scenario = mixed_year()
    feed(sessions, scenario.events)
    in_order = dump(session)
    wipe(session)
    shuffled = list(scenario.events)
    random.Random(seed).shuffle(shuffled)
    feed(sessions, shuffled)
    assert dump(session) == in_order


def test_newest_first_gives_the_same_read_model(
    sessions: sessionmaker[Session], session: Session
) -> None:
    """The hardest order: every late, earlier fact moves a person's first month back."""
    scenario = mixed_year()
    feed(sessions, scenario.events)
    in_order = dump(session)
    wipe(session)
    feed(sessions, sorted(scenario.events, key=lambda e: e.occurred_at, reverse=True))
    assert dump(session) == in_order


def test_a_rebuild_from_the_stored_events_gives_identical_tables(
    sessions: sessionmaker[Session], session: Session
) -> None:
    scenario = mixed_year()
    shuffled = list(scenario.events)
    random.Random(5).shuffle(shuffled)
    feed(sessions, shuffled)
    incremental = dump(session)
    assert incremental["report_tallies"]  # not a comparison of two empty models
    stats = rebuild(session)
    assert stats.events == len(scenario.events)
    assert stats.skipped == []
    assert dump(session) == incremental


def test_facts_heard_before_their_org_count_for_the_consortium_once_it_is_known(
    sessions: sessionmaker[Session], session: Session
) -> None:
    from services.reports import queries
    from services.reports.domain.access import Scope, ScopeKind

    scenario = mixed_year()
    org_events = [e for e in scenario.events if e.type.startswith("org.")]
    others = [e for e in scenario.events if not e.type.startswith("org.")]
    feed(sessions, others)
    scope = Scope(ScopeKind.CONSORTIUM, scenario.consortium.id)
    before = queries.year_tallies(session, scope, [2020])[2020]
    center_only = [
        e for e in others if e.org_id == scenario.center.org_id and e.consortium_id is None
    ]
    assert center_only  # the scenario has such facts
    feed(sessions, org_events)
    after = queries.year_tallies(session, scope, [2020])[2020]
    assert after["activity.group_program"].persons == before["activity.group_program"].persons + 6
    wipe(session)
    feed(sessions, scenario.events)
    assert queries.year_tallies(session, scope, [2020])[2020] == after
