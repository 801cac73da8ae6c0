"""Fixtures shared by every tier. Server-mode tests are skipped unless both
TSUNAGU_TEST_DATABASE_URL and TSUNAGU_TEST_BROKER_URL are set (CI sets them)."""

from __future__ import annotations

import pytest

from common.testing.databases import server_broker_url, server_database_url

pytest_plugins = ["common.testing.plugin"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    have_servers = bool(server_database_url() and server_broker_url())
    skip = pytest.mark.skip(
        reason="server mode: set TSUNAGU_TEST_DATABASE_URL and TSUNAGU_TEST_BROKER_URL"
    )
    for item in items:
        if "server" in item.keywords and not have_servers:
            item.add_marker(skip)


@pytest.fixture
def pg_url() -> str:
    url = server_database_url()
    if not url:
        pytest.skip("TSUNAGU_TEST_DATABASE_URL is not set")
    return url


@pytest.fixture
def amqp_url() -> str:
    url = server_broker_url()
    if not url:
        pytest.skip("TSUNAGU_TEST_BROKER_URL is not set")
    return url
