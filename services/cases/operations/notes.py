"""Case notes. Sensitive ones (要配慮個人情報) are shown only to roles with the
sensitive-read permission; every read of one is audited as such."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.permissions import Perm
from common.principal import Principal
from services.cases.domain.vocab import SENSITIVE_NOTE_CATEGORIES
from services.cases.models import Note
from services.cases.operations.common import (
    audit,
    load_case,
    note_as_dict,
    remember_staff,
    require,
)
from services.cases.schemas import NoteCreate, NoteQuery


def add_note(
    session: Session, principal: Principal, case_id: uuid.UUID, body: NoteCreate
) -> dict[str, Any]:
    require(principal, Perm.CASE_WRITE, "write notes")
    case = load_case(session, principal, case_id, for_update=True)
    remember_staff(session, principal)
    sensitive = body.category in SENSITIVE_NOTE_CATEGORIES
    note = Note(
        org_id=case.org_id,
        case_id=case.id,
        category=body.category.value,
        sensitive=sensitive,
        body=body.body,
        recorded_at=utcnow(),
        recorded_by=principal.user_id,
    )
    session.add(note)
    session.flush()
    audit(
        session,
        principal,
        "note.create",
        "case",
        case.id,
        details={"note": str(note.id), "sensitive": sensitive},
    )
    session.commit()
    # A volunteer may record what they heard but not read it back.
    return note_as_dict(note, with_body=not sensitive or principal.can(Perm.CASE_READ_SENSITIVE))


def list_notes(
    session: Session, principal: Principal, case_id: uuid.UUID, query: NoteQuery
) -> dict[str, Any]:
    case = load_case(session, principal, case_id)
    may_sensitive = principal.can(Perm.CASE_READ_SENSITIVE)
    stmt = sa.select(Note).where(Note.case_id == case.id, Note.org_id == case.org_id)
    if not may_sensitive:
        stmt = stmt.where(Note.sensitive.is_(False))
    if query.sensitive is not None:
        stmt = stmt.where(Note.sensitive.is_(query.sensitive))
    rows = list(session.scalars(stmt.order_by(Note.recorded_at.desc(), Note.id)))
    audit(
        session,
        principal,
        "note.list",
        "case",
        case.id,
        details={"sensitive_shown": sum(1 for r in rows if r.sensitive)},
    )
    session.commit()
    return {
        "items": [note_as_dict(r) for r in rows],
        "next_cursor": None,
    }
