"""Ending credentials so that they are refused within a second everywhere.

Each end is recorded three ways in the caller's transaction: the credential's own row
(``revoked_at``), auth's revocation list (``revocations``, which the gateway follows) and a
fact in the outbox (``session.revoked``, ``token.revoked``, ``user.deactivated``) from which
every other service keeps its own revocation directory (common.revocation)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.principal import Principal
from common.revocation import PAT_PREFIX
from services.auth import events
from services.auth.models import AccessToken, LoginSession, Organization, Revocation, User

FEED_KEPT = timedelta(days=1)
FEED_MAX_ITEMS = 5000


def _listed(session: Session, kind: str, subject_id: uuid.UUID, at: datetime) -> None:
    session.add(Revocation(kind=kind, subject_id=subject_id, at=at))


def end_session(
    session: Session, row: LoginSession, reason: str, actor: Principal | None = None
) -> None:
    if row.revoked_at is not None:
        return
    now = utcnow()
    row.revoked_at = now
    row.revoke_reason = reason
    _listed(session, "session", row.id, now)
    events.credential_revoked(session, "session", row.id, row.user, reason, actor)


def end_token(
    session: Session, row: AccessToken, reason: str, actor: Principal | None = None
) -> None:
    if row.revoked_at is not None:
        return
    now = utcnow()
    row.revoked_at = now
    _listed(session, "token", row.id, now)
    events.credential_revoked(session, "token", row.id, row.user, reason, actor)


def end_credentials_of(
    session: Session,
    user_ids: Sequence[uuid.UUID],
    reason: str,
    actor: Principal | None = None,
    *,
    keep_session: uuid.UUID | None = None,
    keep_token: uuid.UUID | None = None,
) -> int:
    """End every live session and access token of these users (but ``keep_session`` and
    ``keep_token``). Returns how many sessions ended."""
    if not user_ids:
        return 0
    sessions_query = sa.select(LoginSession).where(
        LoginSession.user_id.in_(user_ids), LoginSession.revoked_at.is_(None)
    )
    if keep_session is not None:
        sessions_query = sessions_query.where(LoginSession.id != keep_session)
    ended = 0
    for row in session.scalars(sessions_query).all():
        end_session(session, row, reason, actor)
        ended += 1
    tokens_query = sa.select(AccessToken).where(
        AccessToken.user_id.in_(user_ids), AccessToken.revoked_at.is_(None)
    )
    if keep_token is not None:
        tokens_query = tokens_query.where(AccessToken.id != keep_token)
    tokens = session.scalars(tokens_query).all()
    for token in tokens:
        end_token(session, token, reason, actor)
    return ended


def user_deactivated(session: Session, user: User, actor: Principal | None) -> None:
    end_credentials_of(session, [user.id], "user_deactivated", actor)
    _listed(session, "user", user.id, utcnow())
    events.user_deactivated(session, user, actor)


def org_suspended(session: Session, org: Organization, actor: Principal | None) -> None:
    user_ids = list(session.scalars(sa.select(User.id).where(User.org_id == org.id)))
    end_credentials_of(session, user_ids, "org_suspended", actor)
    _listed(session, "org", org.id, utcnow())


def feed(session: Session, since: datetime | None) -> dict[str, Any]:
    """Revocations listed at or after ``since`` (by this service's clock), oldest first."""
    now = utcnow()
    query = sa.select(Revocation).order_by(Revocation.at, Revocation.id).limit(FEED_MAX_ITEMS)
    query = query.where(Revocation.at >= (since or now - timedelta(seconds=30)))
    rows = session.scalars(query).all()
    return {
        "items": [{"kind": r.kind, "id": str(r.subject_id), "at": r.at.isoformat()} for r in rows],
        "now": now.isoformat(),
    }


def prune_feed(session: Session, kept: timedelta = FEED_KEPT) -> int:
    result = session.execute(sa.delete(Revocation).where(Revocation.at < utcnow() - kept))
    session.commit()
    return int(cast(Any, result).rowcount or 0)


def _standing_query() -> sa.Select[Any]:
    """One round trip for the four facts every authenticated request needs; built once, so
    that neither the statement nor its cache key is made again per request."""
    sid = sa.bindparam("sid", type_=sa.Uuid())
    tid = sa.bindparam("tid", type_=sa.Uuid())
    uid = sa.bindparam("uid", type_=sa.Uuid())
    return sa.select(
        sa.select(LoginSession.revoked_at).where(LoginSession.id == sid).scalar_subquery(),
        sa.select(AccessToken.revoked_at).where(AccessToken.id == tid).scalar_subquery(),
        sa.select(User.active).where(User.id == uid).scalar_subquery(),
        sa.select(Organization.status)
        .join(User, User.org_id == Organization.id)
        .where(User.id == uid)
        .scalar_subquery(),
    )


_STANDING = _standing_query()


def refusal(session: Session, principal: Principal) -> str | None:
    """Why auth itself refuses a principal token it signed earlier: its session or token
    has ended, its user is deactivated, or its organization is suspended. Auth holds the
    truth, so it asks its own tables (one statement of primary-key lookups)."""
    session_id = token_id = None
    if principal.session_id:
        try:
            session_id = uuid.UUID(principal.session_id)
        except ValueError:
            return "session_revoked"
    if principal.token_id.startswith(PAT_PREFIX):
        try:
            token_id = uuid.UUID(principal.token_id.removeprefix(PAT_PREFIX))
        except ValueError:
            return "token_revoked"
    row = session.execute(
        _STANDING, {"sid": session_id, "tid": token_id, "uid": principal.user_id}
    ).one()
    session_revoked, token_revoked, active, org_status = row
    if session_revoked is not None:
        return "session_revoked"
    if token_revoked is not None:
        return "token_revoked"
    if active is False:
        return "user_deactivated"
    if org_status is not None and org_status != "active":
        return "org_suspended"
    return None
