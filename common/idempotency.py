"""Safe retries (API.md, ``Idempotency-Key``): the table every service keeps of the keyed
POSTs it has done, and its pruning. The web side is common.http.idempotency.

A row is written in the same transaction as the operation it stands for, so it exists
exactly when the operation committed: a retry finds it and gets the first answer; a second
request racing with the first fails on the primary key and changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_CHARS = 255
KEPT = timedelta(hours=24)


class IdempotentRequestMixin:
    """``class IdempotentRequest(IdempotentRequestMixin, Base): pass`` in a service's models."""

    __tablename__ = "idempotent_requests"

    caller: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    """The principal's user id: a key is the caller's own, never shared."""
    key: Mapped[str] = mapped_column(sa.String(MAX_KEY_CHARS), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    """SHA-256 of method, path, query and body: the same key for another request is 422."""
    created_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[int | None] = mapped_column(sa.Integer())
    """None from the operation's commit until its answer is stored just after."""
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    location: Mapped[str | None] = mapped_column(sa.String(500))
    etag: Mapped[str | None] = mapped_column(sa.String(100))
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary())


def prune_idempotent_requests(session: Session, model: type, now: datetime) -> int:
    """Forget keys older than 24 hours; returns how many."""
    table = model.__table__  # type: ignore[attr-defined]
    result = session.execute(sa.delete(table).where(table.c.created_at < now - KEPT))
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
