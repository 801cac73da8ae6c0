"""Session-wide stacks of real processes: ``stack`` (embedded) and ``server_stack``
(PostgreSQL + RabbitMQ; marker ``server``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from common.testing.databases import server_broker_url, server_database_url
from tests.e2e.stack import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with Stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture(scope="session")
def server_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    database_url, broker_url = server_database_url(), server_broker_url()
    if not (database_url and broker_url):
        pytest.skip("server mode: set TSUNAGU_TEST_DATABASE_URL and TSUNAGU_TEST_BROKER_URL")
    with Stack(tmp_path_factory.mktemp("server-stack"), server=(database_url, broker_url)) as s:
        yield s


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def any_stack(request: pytest.FixtureRequest) -> Stack:
    """Runs a test once per mode."""
    name = "stack" if request.param == "embedded" else "server_stack"
    result: Stack = request.getfixturevalue(name)
    return result
