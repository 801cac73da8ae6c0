"""The cases contract tests run on the service tier's fixtures (SQLite only)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.service.cases.conftest import api, service_definition  # noqa: F401 - fixtures
from tests.service.cases.support import Member, make_member


@pytest.fixture(scope="module")
def backend() -> None:
    """Contract tests check shapes, not databases: SQLite is enough."""
    return None


@pytest.fixture
def member(sessions: sessionmaker[Session]) -> Member:
    return make_member(sessions, kind="support_station")


@pytest.fixture
def other(sessions: sessionmaker[Session], member: Member) -> Member:
    return make_member(sessions, kind="prefectural_center", consortium_id=member.consortium_id)
