"""The referrals contract tests run on the service tier's fixtures (SQLite only)."""

from __future__ import annotations

import pytest

from tests.service.referrals.conftest import (  # noqa: F401 - fixtures
    cases,
    service_definition,
    service_overrides,
    set_clock,
    world,
)


@pytest.fixture(scope="module")
def backend() -> None:
    """Contract tests check shapes, not databases: SQLite is enough."""
    return None
