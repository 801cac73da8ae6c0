"""The LINE service hears the org directory (consortium admins' reach, suspended orgs);
its consumer applies each event once, whatever the redelivery."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.clock import utcnow
from common.messaging.consumer import EventConsumer
from common.messaging.envelope import Event
from common.testing.principals import Tenant, auth_header, make_principal
from services.line import SERVICE
from services.line.models import OrgDirectoryEntry, ProcessedEvent
from tests.service.line.support import Desk


def _org_event(kind: str, tenant: Tenant, status: str, at_offset: int = 0) -> Event:
    return Event(
        type=kind,
        producer="auth",
        org_id=tenant.org_id,
        data={
            "org_id": str(tenant.org_id),
            "consortium_id": str(tenant.consortium_id),
            "name": "家族会",
            "kind": "family_association",
            "sector": "private",
            "status": status,
        },
        occurred_at=utcnow() + timedelta(seconds=at_offset),
    )


def _consumer(sessions: sessionmaker[Session], tmp_path: Path) -> EventConsumer:
    return EventConsumer(
        name="line",
        session_factory=sessions,
        processed_model=ProcessedEvent,
        handlers=SERVICE.handlers(),
        broker_url=f"sqlite://{tmp_path / 'broker.sqlite3'}",
        namespace="test-" + uuid.uuid4().hex[:8],
    )


def test_org_events_are_applied_once_and_in_order_whatever_the_redelivery(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    tenant = Tenant.new("family_association")
    consumer = _consumer(sessions, tmp_path)
    registered = _org_event("org.registered", tenant, "active")
    suspended = _org_event("org.suspended", tenant, "suspended", at_offset=5)
    consumer.apply(suspended)
    consumer.apply(registered)  # older, arriving late: ignored
    consumer.apply(suspended)  # redelivered: applied once
    with sessions() as session:
        entry = session.get(OrgDirectoryEntry, tenant.org_id)
        processed = session.scalar(sa.select(sa.func.count()).select_from(ProcessedEvent))
    assert entry is not None
    assert entry.status == "suspended"
    assert processed == 2


def test_a_suspended_orgs_counsellors_are_refused(desk: Desk) -> None:
    with desk.sessions() as session:
        entry = session.get(OrgDirectoryEntry, desk.tenant.org_id)
        assert entry is not None
        entry.status = "suspended"
        session.commit()
    answer = desk.client.get("/line/conversations", headers=auth_header(desk.staff))
    assert answer.status_code == 401
    other = make_principal(Tenant.new(), role="staff")
    assert desk.client.get("/line/conversations", headers=auth_header(other)).status_code == 200
