"""Fixtures of the referrals service tests (the database, app and client come from the
shared plugin, common.testing.plugin): a fake cases service and the world of members."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.service import ServiceDefinition
from common.testing.clock import MovableClock
from services.referrals import SERVICE
from tests.service.referrals.fakes import FakeCases
from tests.service.referrals.world import World, build_world


@pytest.fixture(scope="module")
def service_definition() -> ServiceDefinition:
    return SERVICE


@pytest.fixture
def cases() -> FakeCases:
    return FakeCases()


@pytest.fixture
def service_overrides(cases: FakeCases) -> dict[str, Any]:
    return {"packet_source": cases}


@pytest.fixture
def set_clock(clock: MovableClock) -> Callable[[datetime], None]:
    """Move the service's clock (respond-by dates, expiry)."""
    return clock.set


@pytest.fixture
def world(client: FlaskClient, sessions: sessionmaker[Session], cases: FakeCases) -> World:
    return build_world(client, sessions, cases)
