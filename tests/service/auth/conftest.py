from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from common.service import ServiceDefinition
from services.auth import SERVICE
from tests.service.auth.factories import Factory


@pytest.fixture(scope="module")
def service_definition() -> ServiceDefinition:
    return SERVICE


@pytest.fixture
def make(sessions: sessionmaker[Session]) -> Factory:
    return Factory(sessions)
