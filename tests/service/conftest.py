"""Service-tier fixtures: each service's tests run on SQLite, and on PostgreSQL too
when TSUNAGU_TEST_DATABASE_URL is set (the ``server`` marker)."""

from __future__ import annotations

import pytest

from common.testing.databases import server_database_url

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
