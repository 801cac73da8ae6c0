"""Readiness checks every service reports at ``/readyz``."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from common.config import Settings
from common.db import ping as ping_database
from common.messaging.broker import ping as ping_broker


def standard_checks(settings: Settings, engine: sa.Engine | None) -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {"broker": lambda: ping_broker(settings.broker_url)}
    if engine is not None:
        checks["database"] = lambda: ping_database(engine)
    return checks
