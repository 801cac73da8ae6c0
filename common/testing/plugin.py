"""The pytest plugin every service's tests share (registered in tests/conftest.py).

A test directory names its service once::

    @pytest.fixture(scope="module")
    def service_definition() -> ServiceDefinition:
        return SERVICE

and gets, built by the definition exactly as in production: ``service_engine`` (a migrated
scratch database per module — SQLite, and PostgreSQL too when TSUNAGU_TEST_DATABASE_URL is
set, under the ``server`` marker), ``sessions`` (a savepoint per test), ``clock`` (a clock
the test can move), ``app`` and ``client``. A directory passes stand-ins for the service's
dependencies by overriding ``service_overrides``. Every 2xx JSON answer a test receives is
checked against the model its operation declares (``endpoint(response=...)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.service import ServiceDefinition
from common.testing.answers import check_declared_answers
from common.testing.clock import MovableClock
from common.testing.databases import server_database_url
from common.testing.services import migrated_database, savepoint_session_factory, test_settings

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.server)]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite, the server URL for PostgreSQL."""
    if request.param == "postgresql":
        url = server_database_url()
        if not url:
            pytest.skip("TSUNAGU_TEST_DATABASE_URL is not set")
        return url
    return None


@pytest.fixture(scope="module")
def service_definition() -> ServiceDefinition:
    raise pytest.UsageError("this test directory's conftest must define service_definition")


@pytest.fixture(scope="module")
def service_engine(
    service_definition: ServiceDefinition,
    backend: str | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[sa.Engine]:
    name = service_definition.name
    with migrated_database(
        tmp_path_factory.mktemp(name), service_definition.migrations, name, backend
    ) as engine:
        yield engine


@pytest.fixture
def sessions(service_engine: sa.Engine) -> Iterator[sessionmaker[Session]]:
    with savepoint_session_factory(service_engine) as factory:
        yield factory


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def service_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def app(
    service_definition: ServiceDefinition,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    clock: MovableClock,
    service_overrides: dict[str, Any],
) -> Iterator[Flask]:
    """The service's app; every success answer a test receives must match the model its
    operation declares (common.testing.answers), else the test fails at teardown."""
    app = service_definition.create_app(
        test_settings(tmp_path), session_factory=sessions, clock=clock, **service_overrides
    )
    mismatches = check_declared_answers(app)
    yield app
    assert not mismatches, "\n".join(mismatches)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
