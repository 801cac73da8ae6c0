"""What the cases service does with events it hears: keep its org directory, and open the
receiver's case when a referral is accepted. Handlers run inside the consumer's
transaction (common.messaging.consumer) and never commit."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from common.audit import record_audit
from common.messaging.envelope import Event
from common.messaging.payloads import EventPayload, payload_of
from common.orgdirectory import org_handlers
from services.cases import events
from services.cases.domain.packets import split_sensitive
from services.cases.domain.vocab import (
    SENSITIVE_NOTE_CATEGORIES,
    AgeBand,
    Gender,
    NoteCategory,
    Stage,
)
from services.cases.models import AuditEntry, Case, Note, OrgDirectoryEntry, Person, StageChange
from services.cases.operations.cases import person_search_key
from services.cases.operations.common import person_age_band

log = logging.getLogger(__name__)

Handler = Callable[[Session, Event], None]

ANONYMOUS_NAME = "（紹介・匿名）"
"""The display name of a case opened from a packet that carried no identity."""


class _Accepted(EventPayload):
    referral_id: uuid.UUID
    from_org_id: uuid.UUID
    to_org_id: uuid.UUID
    person_key: uuid.UUID
    packet: dict[str, Any]


def _text(value: Any, limit: int) -> str | None:
    return str(value).strip()[:limit] or None if value not in (None, "") else None


def _person_from_packet(org_id: uuid.UUID, person_key: uuid.UUID, packet: dict[str, Any]) -> Person:
    raw: dict[str, Any] = packet.get("person") or {}
    contact: dict[str, Any] = packet.get("contact") or {}
    if not isinstance(raw, dict) or not isinstance(contact, dict):
        raise ValueError("the packet's person and contact must be objects")
    name = _text(raw.get("display_name"), 100)
    gender = raw.get("gender") if raw.get("gender") in {g.value for g in Gender} else "unknown"
    band = raw.get("age_band") if raw.get("age_band") in {b.value for b in AgeBand} else None
    birth_year = raw.get("birth_year") if isinstance(raw.get("birth_year"), int) else None
    kana = _text(raw.get("kana"), 100)
    return Person(
        id=uuid.uuid4(),
        org_id=org_id,
        person_key=person_key,
        display_name=name or ANONYMOUS_NAME,
        kana=kana,
        anonymous=name is None,
        search_key=person_search_key(name or ANONYMOUS_NAME, kana),
        birth_year=birth_year,
        age_band=None if birth_year is not None else band,
        gender=gender,
        municipality=_text(raw.get("municipality"), 100),
        phone=_text(contact.get("phone"), 30),
        email=_text(contact.get("email"), 254),
        address=_text(contact.get("address"), 300),
    )


def open_case_from_referral(session: Session, event: Event) -> None:
    """Exactly one case per referral: a redelivery finds the case and stops; two
    deliveries racing meet the unique origin_referral_id and the loser stops."""
    data = payload_of(event, _Accepted)
    existing = sa.select(Case.id).where(Case.origin_referral_id == data.referral_id)
    if session.scalar(existing) is not None:
        return
    try:
        with session.begin_nested():
            _open(session, event, data)
    except sa_exc.IntegrityError:
        if session.scalar(existing) is None:
            raise
        log.info("referral case already opened", extra={"referral_id": str(data.referral_id)})


def _open(session: Session, event: Event, data: _Accepted) -> None:
    org_id = data.to_org_id
    packet, sensitive_notes = split_sensitive(data.packet)
    person = _person_from_packet(org_id, data.person_key, packet)
    at = event.occurred_at
    case = Case(
        id=uuid.uuid4(),
        org_id=org_id,
        person_id=person.id,
        person=person,
        stage=Stage.INTAKE.value,
        created_by=event.actor_id,
        assigned_to=event.actor_id,
        origin_referral_id=data.referral_id,
        origin_packet=packet,
        opened_at=at,
        last_activity_at=at,
    )
    session.add_all([person, case])
    session.flush()  # rows below refer to the case; no relationship orders them
    session.add(
        StageChange(
            org_id=org_id,
            case_id=case.id,
            from_stage=None,
            to_stage=case.stage,
            kind="open",
            reason="referral",
            changed_at=at,
            recorded_by=event.actor_id,
        )
    )
    sensitive = {c.value for c in SENSITIVE_NOTE_CATEGORIES}
    for note in sensitive_notes:
        category = note.get("category")
        session.add(
            Note(
                org_id=org_id,
                case_id=case.id,
                category=category if category in sensitive else NoteCategory.OTHER_SENSITIVE.value,
                sensitive=True,
                body=str(note.get("body") or "")[:10_000] or "-",
                source="referral",
                recorded_by=event.actor_id,
            )
        )
    session.flush()
    events.case_opened(
        session,
        case,
        person_age_band(case),
        actor_id=event.actor_id,
        consortium_id=event.consortium_id,
    )
    record_audit(
        session,
        AuditEntry,
        action="case.open_from_referral",
        resource_type="case",
        resource_id=case.id,
        org_id=org_id,
        actor_id=event.actor_id,
        details={"referral": str(data.referral_id), "from_org": str(data.from_org_id)},
    )


HANDLERS: dict[str, Handler] = {
    **org_handlers(OrgDirectoryEntry),
    "referral.accepted": open_case_from_referral,
}
