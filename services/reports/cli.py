"""``python -m tsunagu reports-rebuild``: recompute the read model from the stored events.

The launcher calls :func:`rebuild_command`; it prints what it did as one JSON line and
returns the exit code."""

from __future__ import annotations

import json
import sys

from common.config import Settings, load_settings
from common.db import make_engine, make_session_factory
from services.reports import NAME
from services.reports.rebuild import rebuild


def rebuild_command(settings: Settings | None = None) -> int:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url(NAME))
    try:
        with make_session_factory(engine)() as session:
            stats = rebuild(session)
    finally:
        engine.dispose()
    sys.stdout.write(json.dumps({"rebuilt": NAME, **stats.as_dict()}) + "\n")
    return 0
