"""Facts the auth service announces (DESIGN §4). Org events carry the few fields the
other services' local org directories need; user events carry only ids."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from common.messaging.envelope import Event
from common.messaging.outbox import record_event
from common.principal import Principal
from services.auth.models import Organization, OutboxEvent, User

PRODUCER = "auth"


def _org_data(org: Organization) -> dict[str, object]:
    return {
        "org_id": str(org.id),
        "consortium_id": str(org.consortium_id),
        "name": org.name,
        "kind": org.kind,
        "sector": org.sector,
        "address": org.address,
        "representative": org.representative,
        "status": org.status,
    }


def org_event(session: Session, kind: str, org: Organization, actor: Principal | None) -> Event:
    """``kind`` is registered, updated, suspended or reinstated."""
    event = Event(
        type=f"org.{kind}",
        producer=PRODUCER,
        org_id=org.id,
        consortium_id=org.consortium_id,
        actor_id=actor.user_id if actor else None,
        subject_id=org.id,
        data=_org_data(org),
    )
    return record_event(session, OutboxEvent, event)


def user_deactivated(session: Session, user: User, actor: Principal | None) -> Event:
    return _user_event(session, "user.deactivated", user, actor)


def user_reactivated(session: Session, user: User, actor: Principal | None) -> Event:
    return _user_event(session, "user.reactivated", user, actor)


def _user_event(session: Session, type_: str, user: User, actor: Principal | None) -> Event:
    org = user.org
    event = Event(
        type=type_,
        producer=PRODUCER,
        org_id=user.org_id,
        consortium_id=org.consortium_id if org else None,
        actor_id=actor.user_id if actor else None,
        subject_id=user.id,
        data={"user_id": str(user.id)},
    )
    return record_event(session, OutboxEvent, event)


def credential_revoked(
    session: Session,
    kind: str,
    credential_id: uuid.UUID,
    user: User,
    reason: str,
    actor: Principal | None,
) -> Event:
    """``session.revoked`` or ``token.revoked``: principal tokens minted from that
    credential are refused from now on, wherever they are presented."""
    key = "session_id" if kind == "session" else "token_id"
    event = Event(
        type=f"{kind}.revoked",
        producer=PRODUCER,
        org_id=user.org_id,
        consortium_id=user.org.consortium_id if user.org else None,
        actor_id=actor.user_id if actor else None,
        subject_id=credential_id,
        data={key: str(credential_id), "user_id": str(user.id), "reason": reason},
    )
    return record_event(session, OutboxEvent, event)
