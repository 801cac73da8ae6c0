"""``referral.accepted`` opens the receiver's case from the packet, keeping the person key:
exactly one case per referral, however often and however concurrently it arrives."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.clock import utcnow
from common.db import make_session_factory
from common.messaging.envelope import Event
from common.testing.services import migrated_database
from services.cases import MIGRATIONS, consumers
from services.cases.consumers import HANDLERS
from services.cases.models import Case, Note, OrgDirectoryEntry
from tests.service.cases.support import Api, Member, outbox


def accepted(receiver: uuid.UUID, referral_id: uuid.UUID | None = None, **packet: Any) -> Event:
    sender = uuid.uuid4()
    body = {
        "categories": ["identity", "contact", "history", "sensitive"],
        "anonymous": False,
        "person": {
            "age_band": "40s",
            "gender": "male",
            "display_name": "紹介 太郎",
            "kana": "しょうかい たろう",
            "birth_year": 1980,
            "municipality": "甲府市",
        },
        "contact": {"phone": "055-000-0000", "email": None, "address": None},
        "history": {
            "contacts": [
                {
                    "channel": "line",
                    "by": "family",
                    "occurred_at": "2021-05-01T12:00:00+00:00",
                    "summary": "母からLINE相談",
                }
            ]
        },
        "sensitive": {
            "notes": [
                {
                    "category": "illness",
                    "body": "うつ病",
                    "recorded_at": "2021-05-02T00:00:00+00:00",
                }
            ]
        },
    } | packet
    referral = referral_id or uuid.uuid4()
    return Event(
        type="referral.accepted",
        producer="referrals",
        org_id=receiver,
        consortium_id=uuid.uuid4(),
        actor_id=uuid.uuid4(),
        subject_id=referral,
        data={
            "referral_id": str(referral),
            "from_org_id": str(sender),
            "to_org_id": str(receiver),
            "status": "accepted",
            "at": utcnow().isoformat(),
            "fiscal_year": 2021,
            "person_key": str(uuid.uuid4()),
            "packet": body,
        },
    )


def deliver(sessions: sessionmaker[Session], event: Event) -> None:
    with sessions() as session, session.begin():
        HANDLERS[event.type](session, event)


def cases_of(sessions: sessionmaker[Session], referral_id: str) -> list[Case]:
    with sessions() as session:
        return list(
            session.scalars(
                sa.select(Case).where(Case.origin_referral_id == uuid.UUID(referral_id))
            )
        )


def test_an_accepted_referral_opens_the_receivers_case_with_the_person_key(
    sessions: sessionmaker[Session], member: Member, api: Api
) -> None:
    event = accepted(member.org_id)
    deliver(sessions, event)
    (case,) = cases_of(sessions, event.data["referral_id"])
    assert case.org_id == member.org_id
    assert str(case.person.person_key) == event.data["person_key"]
    assert case.person.display_name == "紹介 太郎"
    assert case.person.phone == "055-000-0000"
    assert case.stage == "intake"
    assert case.origin_packet is not None
    assert "sensitive" not in case.origin_packet
    with sessions() as session:
        (note,) = session.scalars(sa.select(Note).where(Note.case_id == case.id))
        assert (note.sensitive, note.category, note.body, note.source) == (
            True,
            "illness",
            "うつ病",
            "referral",
        )
    opened = outbox(sessions, "case.opened")[-1]["data"]
    assert opened["origin_referral_id"] == event.data["referral_id"]
    assert opened["person_key"] == event.data["person_key"]
    # The accepting staff member sees it in their list.
    from common.testing.principals import make_principal

    accepter = make_principal(member.tenant, role="staff", user_id=event.actor_id)
    page = api.as_(accepter).get(f"/cases/{case.id}").json
    assert page["origin_referral_id"] == event.data["referral_id"]
    assert page["assigned_to"] == str(event.actor_id)


def test_referral_accepted_delivered_twice_gives_one_case(
    sessions: sessionmaker[Session], member: Member
) -> None:
    event = accepted(member.org_id)
    deliver(sessions, event)
    deliver(sessions, event)
    assert len(cases_of(sessions, event.data["referral_id"])) == 1
    assert len(outbox(sessions, "case.opened")) == 1


def test_two_accepted_events_for_one_referral_give_one_case(
    sessions: sessionmaker[Session], member: Member
) -> None:
    first = accepted(member.org_id)
    second = accepted(member.org_id, uuid.UUID(first.data["referral_id"]))
    deliver(sessions, first)
    deliver(sessions, second)
    assert len(cases_of(sessions, first.data["referral_id"])) == 1


def test_an_anonymous_packet_opens_an_anonymous_case(
    sessions: sessionmaker[Session], member: Member
) -> None:
    event = accepted(
        member.org_id,
        categories=[],
        anonymous=True,
        person={"age_band": "50_plus", "gender": "female"},
    )
    event.data["packet"].pop("contact")
    event.data["packet"].pop("history")
    event.data["packet"].pop("sensitive")
    deliver(sessions, event)
    (case,) = cases_of(sessions, event.data["referral_id"])
    assert case.person.anonymous is True
    assert case.person.display_name == consumers.ANONYMOUS_NAME
    assert case.person.age_band == "50_plus"
    assert outbox(sessions, "case.opened")[-1]["data"]["age_band"] == "50_plus"


def test_a_malformed_accepted_event_is_refused(
    sessions: sessionmaker[Session], member: Member
) -> None:
    event = accepted(member.org_id)
    del event.data["person_key"]
    with pytest.raises(ValueError, match="person_key"):
        deliver(sessions, event)


def test_org_events_keep_the_directory(sessions: sessionmaker[Session]) -> None:
    org = uuid.uuid4()
    data = {
        "org_id": str(org),
        "consortium_id": str(uuid.uuid4()),
        "name": "山梨県ひきこもり地域支援センター",
        "kind": "prefectural_center",
        "sector": "public",
        "status": "active",
    }
    deliver(sessions, Event(type="org.registered", producer="auth", data=data))
    deliver(
        sessions, Event(type="org.suspended", producer="auth", data=data | {"status": "suspended"})
    )
    with sessions() as session:
        entry = session.get(OrgDirectoryEntry, org)
        assert entry is not None
        assert entry.status == "suspended"


# --- the race, on a real database file (no savepoint wrapper) -------------------------


@pytest.fixture
def real_sessions(backend: str | None, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with migrated_database(tmp_path, MIGRATIONS, "cases_race", backend) as engine:
        yield make_session_factory(engine)


def test_two_deliveries_racing_give_one_case(
    real_sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    backend: str | None,
) -> None:
    """Both deliveries pass the "is there a case already?" check before either inserts
    (where the database lets them: PostgreSQL); the unique origin_referral_id decides."""
    receiver = uuid.uuid4()
    first = accepted(receiver)
    second = accepted(receiver, uuid.UUID(first.data["referral_id"]))
    arrived = threading.Semaphore(0)
    real_open = consumers._open

    def open_after_both_checked(session: Session, event: Event, data: Any) -> None:
        arrived.release()
        # Wait (briefly) for the other delivery to get this far too. On SQLite the other is
        # still waiting for the write lock, so this times out and the two run in turn.
        for _ in range(2):
            if arrived.acquire(timeout=1.0):
                arrived.release()
                break
        real_open(session, event, data)

    monkeypatch.setattr(consumers, "_open", open_after_both_checked)
    caplog.set_level("INFO", logger=consumers.__name__)
    errors: list[BaseException] = []

    def run(event: Event) -> None:
        try:
            deliver(real_sessions, event)
        except BaseException as exc:  # the test reports whatever escaped
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(cases_of(real_sessions, first.data["referral_id"])) == 1
    if backend is not None:  # PostgreSQL: both really inserted; the constraint stopped one
        assert "referral case already opened" in caplog.text
    with real_sessions() as session:
        from services.cases.models import OutboxEvent

        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.type == "case.opened")
            )
            == 1
        )


def test_the_consumer_applies_referral_accepted_once_however_often_delivered(
    real_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    from common.messaging.consumer import EventConsumer
    from services.cases.models import ProcessedEvent

    consumer = EventConsumer(
        name="cases",
        session_factory=real_sessions,
        processed_model=ProcessedEvent,
        handlers=HANDLERS,
        broker_url=f"sqlite://{tmp_path / 'broker.sqlite3'}",
        namespace="test",
    )
    event = accepted(uuid.uuid4())
    try:
        assert consumer.apply(event) is True
        assert consumer.apply(event) is False
        again = Event.from_json(event.to_json())  # the same event, redelivered
        assert consumer.apply(again) is False
    finally:
        consumer.publisher.close()
    assert len(cases_of(real_sessions, event.data["referral_id"])) == 1


def test_a_refused_event_names_the_bad_fields_but_not_their_values(
    sessions: sessionmaker[Session], member: Member
) -> None:
    event = accepted(member.org_id)
    event.data["packet"] = "紹介 太郎 055-000-0000"
    with pytest.raises(ValueError, match="packet") as raised:
        deliver(sessions, event)
    assert "太郎" not in str(raised.value)
