"""Session-wide stacks of real processes: ``stack`` (embedded) and ``server_stack``
(PostgreSQL + RabbitMQ; marker ``server``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from common.config import SERVICES
from common.testing.databases import server_broker_url, server_database_url
from tests.e2e.stack import Stack

# A developer may start a partial stack while a service is being built:
# TSUNAGU_TEST_STACK_SERVICES=auth,cases pytest tests/e2e
STACK_SERVICES = tuple(
    s for s in os.environ.get("TSUNAGU_TEST_STACK_SERVICES", ",".join(SERVICES)).split(",") if s
)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with Stack(tmp_path_factory.mktemp("stack"), services=STACK_SERVICES) as running:
        yield running


@pytest.fixture(scope="session")
def server_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    database_url, broker_url = server_database_url(), server_broker_url()
    if not (database_url and broker_url):
        pytest.skip("server mode: set TSUNAGU_TEST_DATABASE_URL and TSUNAGU_TEST_BROKER_URL")
    with Stack(
        tmp_path_factory.mktemp("server-stack"),
        server=(database_url, broker_url),
        services=STACK_SERVICES,
    ) as s:
        yield s


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def any_stack(request: pytest.FixtureRequest) -> Stack:
    """Runs a test once per mode."""
    name = "stack" if request.param == "embedded" else "server_stack"
    result: Stack = request.getfixturevalue(name)
    return result
