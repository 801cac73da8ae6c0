from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.referrals.models import Base


def test_the_migrations_build_exactly_the_tables_the_models_declare(
    service_engine: sa.Engine,
) -> None:
    with service_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
