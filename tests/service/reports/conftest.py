from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from common.service import ServiceDefinition
from services.reports import SERVICE


@pytest.fixture(scope="module")
def service_definition() -> ServiceDefinition:
    return SERVICE


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s
