"""Each service's migrations build exactly the schema its models declare: nothing is left for
autogenerate to find, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from common.config import SERVICES
from common.testing.plugin import BACKENDS
from common.testing.services import migrated_database


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "postgresql":
        from common.testing.databases import server_database_url

        url = server_database_url()
        if not url:
            pytest.skip("TSUNAGU_TEST_DATABASE_URL is not set")
        return url
    return None


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_the_models(service: str, backend_url: str | None, tmp_path: Path) -> None:
    package = importlib.import_module(f"services.{service}")
    models = importlib.import_module(f"services.{service}.models")
    with (
        migrated_database(tmp_path, package.MIGRATIONS, f"drift_{service}", backend_url) as engine,
        engine.connect() as connection,
    ):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, models.Base.metadata)
    assert differences == [], differences
