"""Fixtures of the cases service tests: a migrated database per module (SQLite, and
PostgreSQL in server mode), a savepoint per test, and members with people in each role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.testing.services import migrated_database, savepoint_session_factory, test_settings
from services.cases import MIGRATIONS, create_app
from tests.service.cases.support import Api, Member, make_member


@pytest.fixture(scope="module")
def cases_engine(
    backend: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    with migrated_database(
        tmp_path_factory.mktemp("cases"), MIGRATIONS, "cases", backend
    ) as engine:
        yield engine


@pytest.fixture
def sessions(cases_engine: sa.Engine) -> Iterator[sessionmaker[Session]]:
    with savepoint_session_factory(cases_engine) as factory:
        yield factory


@pytest.fixture
def app(sessions: sessionmaker[Session], tmp_path: Path) -> Flask:
    return create_app(test_settings(tmp_path), session_factory=sessions)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


@pytest.fixture
def member(sessions: sessionmaker[Session]) -> Member:
    """A support station, in the directory with a partner in the same consortium."""
    return make_member(sessions, kind="support_station")


@pytest.fixture
def other(sessions: sessionmaker[Session], member: Member) -> Member:
    """Another member of the same consortium."""
    return make_member(sessions, kind="family_association", consortium_id=member.consortium_id)
