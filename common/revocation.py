"""Revoked credentials, refused within a second everywhere.

A principal token lives minutes; the session or personal access token behind it can end
sooner (signing out, ``DELETE /tokens/{id}``, a password change, a deactivated user). Auth
announces each end as a fact (``session.revoked``, ``token.revoked``, ``user.deactivated``,
``user.reactivated``) through its outbox, and:

- every other service keeps a small directory of them, built from those events like the
  org directory (common.orgdirectory), and refuses a principal token whose session, token
  or user it lists — with no question to auth on the request path. A service declares
  ``class RevokedCredential(RevokedCredentialMixin, Base): pass``; its definition then wires
  :func:`revocation_handlers`, :func:`revocation_gate` and the pruning job;
- the gateway, whose cache of resolved cookies lives in each web worker, follows auth's
  revocation list (``GET /internal/revocations``) with :class:`RevocationWatcher` and
  trusts its cache only while that list is fresh.

Principal tokens name their credential: ``sid`` is the session's id; ``jti`` is
``pat:<token id>`` for a personal access token.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from common.clock import utcnow
from common.messaging.envelope import Event
from common.messaging.topology import EVERY_SERVICE_HEARS
from common.principal import Principal

log = logging.getLogger(__name__)

REVOCATION_EVENT_TYPES = EVERY_SERVICE_HEARS
"""Bound to every consuming service's queue (common.messaging.topology)."""
PAT_PREFIX = "pat:"
KEPT = timedelta(days=1)
"""A session or token revocation matters while a principal token minted before it could
still be presented (minutes); a day is far beyond any principal token's life."""


class RevokedCredentialMixin:
    __tablename__ = "revoked_credentials"

    credential_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True)
    """A session id, a personal access token id, or a user id."""
    kind: Mapped[str] = mapped_column(sa.String(16))
    """``session``, ``token`` or ``user``."""
    revoked: Mapped[bool]
    """False for a user reactivated after a deactivation."""
    as_of: Mapped[datetime] = mapped_column(index=True)
    """``occurred_at`` of the newest event applied: older events arriving late are ignored."""


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def credential_ids(principal: Principal) -> list[uuid.UUID]:
    """What a principal token stands on: its session or access token, and its user."""
    ids = [principal.user_id]
    session_id = _uuid(principal.session_id) if principal.session_id else None
    if session_id is not None:
        ids.append(session_id)
    if principal.token_id.startswith(PAT_PREFIX):
        token_id = _uuid(principal.token_id.removeprefix(PAT_PREFIX))
        if token_id is not None:
            ids.append(token_id)
    return ids


def apply_revocation_event(
    session: Session, model: type[RevokedCredentialMixin], event: Event
) -> None:
    """Upsert the credential from one revocation event; order-safe and idempotent."""
    kind, key, revoked = {
        "session.revoked": ("session", "session_id", True),
        "token.revoked": ("token", "token_id", True),
        "user.deactivated": ("user", "user_id", True),
        "user.reactivated": ("user", "user_id", False),
    }[event.type]
    credential_id = _uuid(event.data.get(key))
    if credential_id is None:
        raise ValueError(f"{event.type} without a valid {key}")
    row = session.get(model, credential_id)
    if row is None:
        session.add(
            cast(Any, model)(
                credential_id=credential_id, kind=kind, revoked=revoked, as_of=event.occurred_at
            )
        )
    elif row.as_of <= event.occurred_at:
        row.revoked = revoked
        row.as_of = event.occurred_at


def revocation_handlers(
    model: type[RevokedCredentialMixin],
) -> dict[str, Callable[[Session, Event], None]]:
    def handle(session: Session, event: Event) -> None:
        apply_revocation_event(session, model, event)

    return dict.fromkeys(REVOCATION_EVENT_TYPES, handle)


RevocationGate = Callable[[Session, Principal], str | None]


def revocation_gate(model: type[RevokedCredentialMixin]) -> RevocationGate:
    """The reason to refuse ``principal`` (``session_revoked``, ``token_revoked``,
    ``user_deactivated``), or None. One primary-key lookup per request."""

    # Built once: every request asks it.
    query = (
        sa.select(model.kind)
        .where(
            model.credential_id.in_(sa.bindparam("ids", expanding=True, type_=sa.Uuid())),
            model.revoked.is_(True),
        )
        .limit(1)
    )

    def gate(session: Session, principal: Principal) -> str | None:
        kind = session.scalar(query, {"ids": credential_ids(principal)})
        if kind is None:
            return None
        return {"session": "session_revoked", "token": "token_revoked"}.get(
            kind, "user_deactivated"
        )

    return gate


def prune_revocations(
    session: Session, model: type[RevokedCredentialMixin], kept: timedelta = KEPT
) -> int:
    """Forget session and token revocations older than any principal token (a user's
    deactivation stays until the user is reactivated: nothing new is minted meanwhile,
    but its row is what keeps an older token out)."""
    result = session.execute(
        sa.delete(model).where(
            model.as_of < utcnow() - kept,
            sa.or_(model.kind != "user", model.revoked.is_(False)),
        )
    )
    session.commit()
    return int(cast(Any, result).rowcount or 0)


# --- the gateway's side: following auth's revocation list ------------------------------


Fetch = Callable[[str | None], dict[str, Any]]
"""``fetch(since)`` → ``{"items": [{kind, id, at}], "now": iso time}`` from auth."""
Drop = Callable[[Iterable[tuple[str, str]]], None]


class RevocationWatcher:
    """Polls auth's revocation list every ``interval`` seconds in a daemon thread and hands
    each batch of ``(kind, id)`` to ``drop``. :meth:`fresh` tells whether a poll that began
    within ``max_age`` seconds has succeeded: a cache may serve only while it is true, so a
    credential revoked at time t is served from cache at most until t + ``max_age``.

    Each poll asks for everything since a little before the previous answer's ``now`` (by
    auth's clock), so a revocation whose transaction committed late is still seen; dropping
    twice is harmless."""

    OVERLAP = timedelta(seconds=10)

    def __init__(
        self, fetch: Fetch, drop: Drop, *, interval: float = 0.2, max_age: float = 0.8
    ) -> None:
        self._fetch = fetch
        self._drop = drop
        self.interval = interval
        self.max_age = max_age
        self._since: str | None = None
        self._fresh_as_of = -1e9  # monotonic start time of the last successful poll
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stop = threading.Event()

    def fresh(self) -> bool:
        self._ensure_running()
        return time.monotonic() - self._fresh_as_of <= self.max_age

    def poll_once(self) -> None:
        started = time.monotonic()
        answer = self._fetch(self._since)
        items = answer.get("items") or []
        if items:
            self._drop((str(i["kind"]), str(i["id"])) for i in items)
        now = answer.get("now")
        if isinstance(now, str):
            self._since = (datetime.fromisoformat(now) - self.OVERLAP).isoformat()
        self._fresh_as_of = started

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # auth down or answering nonsense: the cache is not trusted
                log.debug("revocation list unavailable", extra={"error": type(exc).__name__})
            self._stop.wait(self.interval)

    def _ensure_running(self) -> None:
        """Start (again) in this process: a gunicorn worker forks after the app is built."""
        import os

        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._fresh_as_of = -1e9
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._run, name="revocation-watcher", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
