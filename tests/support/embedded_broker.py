"""Look inside an embedded broker file, for assertions (never for application code)."""

from __future__ import annotations

import sqlite3

from common.messaging.broker import sqlite_path


def stored_messages(url: str, queue: str | None = None) -> int:
    """Rows in the file, leased or not: what would be delivered or redelivered one day."""
    db = sqlite3.connect(sqlite_path(url))
    try:
        if queue is None:
            row = db.execute("SELECT count(*) FROM broker_message").fetchone()
        else:
            row = db.execute(
                "SELECT count(*) FROM broker_message WHERE queue = ?", (queue,)
            ).fetchone()
        return int(row[0])
    finally:
        db.close()
