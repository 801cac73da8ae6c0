"""Fixtures of the cases service tests (the database, app and client come from the shared
plugin, common.testing.plugin): members with people in each role."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.service import ServiceDefinition
from services.cases import SERVICE
from tests.service.cases.support import Api, FakeProvisions, Member, make_member


@pytest.fixture(scope="module")
def service_definition() -> ServiceDefinition:
    return SERVICE


@pytest.fixture
def provisions() -> FakeProvisions:
    return FakeProvisions()


@pytest.fixture
def service_overrides(provisions: FakeProvisions) -> dict[str, Any]:
    return {"provisions": provisions}


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
