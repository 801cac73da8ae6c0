"""Guessing is slowed by growing delays; the rightful owner is never locked out.

Before: five wrong passwords from anywhere locked any account for 15 minutes, its owner
included. Time is moved by ageing the failure rows, never by sleeping."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.clock import utcnow
from services.auth.models import LoginFailure
from services.auth.operations.throttle import prune_failures
from tests.service.auth.factories import PASSWORD, Factory

WRONG = "not the password at all"
OWNER_IP = "203.0.113.10"
GUESSER_IP = "198.51.100.66"


def login(client: FlaskClient, email: str, password: str, ip: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/internal/sessions", json={"email": email, "password": password, "client_ip": ip}
    )


def age_failures(sessions: sessionmaker[Session], seconds: float) -> None:
    with sessions() as session:
        for row in session.scalars(sa.select(LoginFailure)):
            row.occurred_at = row.occurred_at - timedelta(seconds=seconds)
        session.commit()


def test_a_guesser_cannot_lock_the_owner_out(client: FlaskClient, make: Factory) -> None:
    member = make.tenant()
    assert login(client, member.email, PASSWORD, OWNER_IP).status_code == 200
    for _ in range(30):
        answer = login(client, member.email, WRONG, GUESSER_IP)
        assert answer.status_code in (401, 429)
    assert login(client, member.email, WRONG, GUESSER_IP).status_code == 429
    owner = login(client, member.email, PASSWORD, OWNER_IP)
    assert owner.status_code == 200, owner.json


def test_the_guessers_wait_grows_with_each_failure(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    member = make.tenant()
    for _ in range(5):
        assert login(client, member.email, WRONG, GUESSER_IP).status_code == 401
    first = login(client, member.email, PASSWORD, GUESSER_IP)  # even the right password waits
    assert first.status_code == 429
    assert first.json["status"] == 429
    assert 1 <= int(first.headers["Retry-After"]) <= 5
    age_failures(sessions, 6)
    assert login(client, member.email, WRONG, GUESSER_IP).status_code == 401
    second = login(client, member.email, WRONG, GUESSER_IP)
    assert second.status_code == 429
    assert 5 < int(second.headers["Retry-After"]) <= 10


def test_many_addresses_against_one_account_are_slowed_but_capped_at_a_minute(
    client: FlaskClient, make: Factory
) -> None:
    member = make.tenant()
    assert login(client, member.email, PASSWORD, OWNER_IP).status_code == 200
    for n in range(12):
        login(client, member.email, WRONG, f"192.0.2.{n}")
    stranger = login(client, member.email, PASSWORD, "192.0.2.200")
    assert stranger.status_code == 429
    assert int(stranger.headers["Retry-After"]) <= 60
    assert login(client, member.email, PASSWORD, OWNER_IP).status_code == 200


def test_one_address_spraying_many_accounts_is_slowed(client: FlaskClient, make: Factory) -> None:
    victims = [make.tenant() for _ in range(21)]
    for victim in victims:
        login(client, victim.email, WRONG, GUESSER_IP)
    fresh = make.tenant()
    answer = login(client, fresh.email, PASSWORD, GUESSER_IP)
    assert answer.status_code == 429
    assert login(client, fresh.email, PASSWORD, OWNER_IP).status_code == 200


def test_the_owners_own_typos_are_forgotten_once_they_get_in(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    member = make.tenant()
    for _ in range(3):
        login(client, member.email, WRONG, OWNER_IP)
    assert login(client, member.email, PASSWORD, OWNER_IP).status_code == 200
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 0


def test_old_failures_are_pruned(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    member = make.tenant()
    login(client, member.email, WRONG, GUESSER_IP)
    login(client, member.email, WRONG, GUESSER_IP)
    with sessions() as session:
        session.add(LoginFailure(email_key="x" * 64, client_ip="192.0.2.1", occurred_at=utcnow()))
        session.commit()
    age_failures(sessions, 2 * 24 * 3600)
    with sessions() as session:
        session.add(LoginFailure(email_key="y" * 64, client_ip=None, occurred_at=utcnow()))
        session.commit()
        assert prune_failures(session, utcnow()) == 3
        assert session.scalars(sa.select(LoginFailure.email_key)).all() == ["y" * 64]
