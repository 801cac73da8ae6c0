"""Contract tests run on the service-tier fixtures of referrals (SQLite)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from common.testing.services import migrated_database
from services.referrals import MIGRATIONS
from tests.service.referrals.conftest import (  # noqa: F401 - fixtures
    app,
    cases,
    client,
    sessions,
    set_clock,
    world,
)


@pytest.fixture(scope="module")
def referrals_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    with migrated_database(
        tmp_path_factory.mktemp("referrals"), MIGRATIONS, "referrals_contract"
    ) as engine:
        yield engine
