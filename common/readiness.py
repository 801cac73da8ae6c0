"""Readiness checks every service reports at ``/readyz``."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from common.config import Settings
from common.messaging.broker import ping as ping_broker
from common.storage import check_storage


def standard_checks(settings: Settings, engine: sa.Engine | None) -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {"broker": lambda: ping_broker(settings.broker_url)}
    if engine is not None:
        # Reads alone would say 200 on a full disk: writes are what fail (common.storage).
        checks["database"] = lambda: check_storage(engine)
    return checks
