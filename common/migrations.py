"""Alembic, driven programmatically: one migration tree per service, no ini files.

A service's ``migrations/env.py`` is two lines — import its metadata and call
:func:`run_migrations`. ``python -m tsunagu migrate`` upgrades every service;
``python -m tsunagu revision <service> -m "..."`` autogenerates a dated revision.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from common.db import make_engine, normalize_url

FILE_TEMPLATE = "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s"


def alembic_config(migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    config.set_main_option("file_template", FILE_TEMPLATE)
    return config


def upgrade(migrations_dir: Path, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(migrations_dir, url), revision)


def revision(migrations_dir: Path, url: str, message: str) -> None:
    command.revision(alembic_config(migrations_dir, url), message=message, autogenerate=True)


def run_migrations(target_metadata: sa.MetaData) -> None:
    """Body of every service's ``env.py``."""
    from alembic import context

    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    connectable = make_engine(url, poolclass=sa.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()
