"""Fixtures shared by every tier. Server-mode tests are skipped unless both
TSUNAGU_TEST_DATABASE_URL and TSUNAGU_TEST_BROKER_URL are set (CI sets them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.testing.databases import server_broker_url, server_database_url

pytest_plugins = ["common.testing.plugin"]


TESTS = Path(__file__).parent
TIER_MARKERS = {"e2e": "e2e", "browser": "browser", "fuzz": "fuzz"}
"""Every test under tests/<tier> carries the tier's marker, so ``-m "not e2e"`` and
``-m "not browser"`` (and ``-m "not fuzz"``) leave out every test that starts processes or a
browser."""


def _unmarked(items: list[pytest.Item]) -> list[str]:
    missing = []
    for item in items:
        try:
            tier = Path(item.path).relative_to(TESTS).parts[0]
        except ValueError:
            continue
        marker = TIER_MARKERS.get(tier)
        if marker and item.get_closest_marker(marker) is None:
            missing.append(f"{item.nodeid} (needs pytest.mark.{marker})")
    return missing


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = _unmarked(items)
    if missing:
        raise pytest.UsageError("tests without their tier's marker:\n  " + "\n  ".join(missing))
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
