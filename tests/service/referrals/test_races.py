"""Races on a real database (a SQLite file; PostgreSQL in server mode), with real
concurrent transactions rather than the savepoint sessions of the other tests."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from common.db import make_session_factory
from common.messaging.consumer import EventConsumer
from common.messaging.envelope import Event
from common.testing.services import migrated_database
from common.testing.services import test_settings as settings_in
from services.referrals import MIGRATIONS, create_app
from services.referrals.consumers import HANDLERS
from services.referrals.models import OutboxEvent, ProcessedEvent, Referral, ReferralTransition
from tests.service.referrals.fakes import FakeCases
from tests.service.referrals.test_linking import case_opened
from tests.service.referrals.world import World

THREADS = 8


@pytest.fixture
def real_sessions(
    backend: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sessionmaker[Session]]:
    with migrated_database(
        tmp_path_factory.mktemp("races"), MIGRATIONS, "referrals_races", backend
    ) as engine:
        yield make_session_factory(engine)


@pytest.fixture
def sessions(real_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Overrides the savepoint sessions: every request commits for real."""
    return real_sessions


@pytest.fixture
def app(real_sessions: sessionmaker[Session], tmp_path: Path, cases: FakeCases) -> Flask:
    return create_app(settings_in(tmp_path), session_factory=real_sessions, packet_source=cases)


def in_parallel(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:  # collected and asserted by the test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_parallel_accepts_make_exactly_one_accepted_transition(app: Flask, world: World) -> None:
    referral_id = world.sent()["id"]

    def accept() -> int:
        client = app.test_client()
        return client.post(
            f"/referrals/{referral_id}/accept", headers=world.receiver.headers()
        ).status_code

    statuses = in_parallel([accept] * THREADS)
    assert sorted(statuses) == [200] + [409] * (THREADS - 1)
    with world.sessions() as session:
        accepted = session.scalar(
            sa.select(sa.func.count()).where(
                ReferralTransition.referral_id == uuid.UUID(referral_id),
                ReferralTransition.to_status == "accepted",
            )
        )
        events = session.scalar(
            sa.select(sa.func.count()).where(OutboxEvent.type == "referral.accepted")
        )
    assert accepted == 1
    assert events == 1


def test_an_accept_racing_a_withdrawal_leaves_one_consistent_outcome(
    app: Flask, world: World
) -> None:
    referral_id = world.sent()["id"]

    def accept() -> int:
        return (
            app.test_client()
            .post(f"/referrals/{referral_id}/accept", headers=world.receiver.headers())
            .status_code
        )

    def withdraw() -> int:
        return (
            app.test_client()
            .post(
                f"/referrals/{referral_id}/withdraw",
                json={"reason": "本人の希望"},
                headers=world.sender.headers(),
            )
            .status_code
        )

    statuses = in_parallel([accept, withdraw] * (THREADS // 2))
    assert statuses.count(200) == 1
    assert set(statuses) == {200, 409}
    with world.sessions() as session:
        history = session.scalars(
            sa.select(ReferralTransition.to_status).where(
                ReferralTransition.referral_id == uuid.UUID(referral_id)
            )
        ).all()
    assert sorted(history) in (["accepted", "sent"], ["sent", "withdrawn"])


@pytest.fixture
def consumer(real_sessions: sessionmaker[Session], tmp_path: Path) -> Iterator[EventConsumer]:
    """The real idempotent consumer of the referrals service (its ``apply`` needs no broker)."""
    built = EventConsumer(
        name="referrals",
        session_factory=real_sessions,
        processed_model=ProcessedEvent,
        handlers=HANDLERS,
        broker_url=f"sqlite://{tmp_path / 'broker.sqlite3'}",
        namespace="t",
    )
    yield built
    built.publisher.close()


def consume(consumer: EventConsumer, event: Event) -> bool:
    """Apply as the worker would; a lost compare-and-set is retried like a failed delivery."""
    for _ in range(10):
        try:
            return consumer.apply(event)
        except (StaleDataError, sa_exc.OperationalError):
            continue
    raise AssertionError("never applied")


def _accepted(world: World) -> str:
    referral_id = str(world.sent()["id"])
    response = world.client.post(
        f"/referrals/{referral_id}/accept", headers=world.receiver.headers()
    )
    assert response.status_code == 200
    return referral_id


def test_the_same_case_opened_delivered_in_parallel_links_one_case(
    app: Flask, world: World, consumer: EventConsumer
) -> None:
    referral_id = _accepted(world)
    event = case_opened(world, referral_id, uuid.uuid4())
    applied = in_parallel([lambda: consume(consumer, event)] * 4)
    assert applied.count(True) == 1
    assert applied.count(False) == 3
    with world.sessions() as session:
        referral = session.get(Referral, uuid.UUID(referral_id))
        assert referral is not None
        assert referral.linked_case_id == uuid.UUID(event.data["case_id"])


def test_two_different_cases_opened_for_one_referral_link_exactly_one(
    app: Flask, world: World, consumer: EventConsumer
) -> None:
    referral_id = _accepted(world)
    events = [case_opened(world, referral_id, uuid.uuid4()) for _ in range(4)]
    in_parallel([lambda e=e: consume(consumer, e) for e in events])
    with world.sessions() as session:
        referral = session.get(Referral, uuid.UUID(referral_id))
        assert referral is not None
        assert referral.linked_case_id in {uuid.UUID(e.data["case_id"]) for e in events}
        linked = session.scalar(
            sa.select(sa.func.count()).where(Referral.linked_case_id.is_not(None))
        )
        assert linked == 1
    seen = world.client.get(f"/referrals/{referral_id}", headers=world.receiver.headers()).json
    assert seen["linked_case_id"] == str(referral.linked_case_id)
    notices = world.client.get(
        f"/notifications?referral_id={referral_id}", headers=world.receiver.headers()
    ).json["items"]
    assert [n["kind"] for n in notices].count("linked_case_opened") == 1
