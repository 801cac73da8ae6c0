"""Facts the auth service announces (DESIGN §4). Org events carry the few fields the
other services' local org directories need; user events carry only ids."""

from __future__ import annotations

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
    org = user.org
    event = Event(
        type="user.deactivated",
        producer=PRODUCER,
        org_id=user.org_id,
        consortium_id=org.consortium_id if org else None,
        actor_id=actor.user_id if actor else None,
        subject_id=user.id,
        data={"user_id": str(user.id)},
    )
    return record_event(session, OutboxEvent, event)
