"""A full disk, injected at the driver: every write statement fails as SQLite fails on a
full disk (SQLITE_FULL) while reads still work — as on a real full disk."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event

from common.messaging.broker import bootstrap
from common.migrations import upgrade
from common.service import ServiceDefinition
from common.testing.databases import scratch_database
from common.testing.services import test_settings

WRITES = ("INSERT", "UPDATE", "DELETE", "PRAGMA USER_VERSION =")


class FullDisk:
    """Fails every write statement on ``engine`` while ``on``."""

    def __init__(self, engine: sa.Engine) -> None:
        self.on = False
        event.listen(engine, "before_cursor_execute", self._maybe_fail)

    def _maybe_fail(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.on and statement.lstrip().upper().startswith(WRITES):
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = 13  # type: ignore[attr-defined]  # SQLITE_FULL
            raise error


@contextmanager
def app_on_its_own_engine(
    definition: ServiceDefinition, tmp_path: Path
) -> Iterator[tuple[Flask, FullDisk, Any]]:
    """The service's app on an engine of its own (as in production, not the tests' savepoint
    sessions), a broker to be ready with, and the disk to fill: (app, disk, runtime)."""
    name = definition.name
    with scratch_database(tmp_path, f"{name}_storage", None) as url:
        upgrade(definition.migrations, url)
        settings = test_settings(tmp_path, **{f"TSUNAGU_{name.upper()}_DATABASE_URL": url})
        bootstrap(settings.broker_url, settings.broker_namespace)
        app = definition.create_app(settings)
        runtime = app.extensions["tsunagu"].runtime
        try:
            yield app, FullDisk(runtime.engine), runtime
        finally:
            runtime.engine.dispose()
