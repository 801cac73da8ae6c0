"""The org's 要配慮 dictionary: the default terms and the org's own, read by everyone who
writes (the warning), edited by the org admin."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import FieldError, ValidationFailed
from common.permissions import Perm
from common.principal import Principal
from services.cases.domain.sensitive import DEFAULT_TERMS
from services.cases.models import SensitiveTerm
from services.cases.operations.common import audit, require, tenant_of
from services.cases.schemas import SensitiveTermsBody


def org_terms(session: Session, org_id: uuid.UUID) -> list[str]:
    """The defaults, then the org's own additions (oldest first)."""
    own = session.scalars(
        sa.select(SensitiveTerm.term)
        .where(SensitiveTerm.org_id == org_id)
        .order_by(SensitiveTerm.added_at, SensitiveTerm.term)
    )
    return [*DEFAULT_TERMS, *(t for t in own if t not in DEFAULT_TERMS)]


def _answer(session: Session, org_id: uuid.UUID) -> dict[str, Any]:
    own = list(
        session.scalars(
            sa.select(SensitiveTerm.term)
            .where(SensitiveTerm.org_id == org_id)
            .order_by(SensitiveTerm.added_at, SensitiveTerm.term)
        )
    )
    return {"defaults": list(DEFAULT_TERMS), "terms": own}


def get_terms(session: Session, principal: Principal) -> dict[str, Any]:
    require(principal, Perm.CASE_WRITE, "read the sensitive-term dictionary")
    answer = _answer(session, tenant_of(principal))
    session.commit()
    return answer


def set_terms(
    session: Session, principal: Principal, body: SensitiveTermsBody, now: datetime
) -> dict[str, Any]:
    """Replace the org's own terms (the defaults always apply)."""
    require(principal, Perm.PRIVACY_MANAGE, "edit the sensitive-term dictionary")
    org_id = tenant_of(principal)
    wanted = list(dict.fromkeys(t for t in body.terms if t not in DEFAULT_TERMS))
    errors = [
        FieldError(f"terms.{i}", "A term needs at least one letter", "blank")
        for i, t in enumerate(body.terms)
        if not t.strip()
    ]
    if errors:
        raise ValidationFailed(errors)
    current = set(
        session.scalars(sa.select(SensitiveTerm.term).where(SensitiveTerm.org_id == org_id))
    )
    removed = current - set(wanted)
    if removed:
        session.execute(
            sa.delete(SensitiveTerm).where(
                SensitiveTerm.org_id == org_id, SensitiveTerm.term.in_(removed)
            )
        )
    for term in wanted:
        if term not in current:
            session.add(
                SensitiveTerm(org_id=org_id, term=term, added_at=now, added_by=principal.user_id)
            )
    audit(
        session,
        principal,
        "sensitive_terms.set",
        "sensitive_terms",
        org_id,
        details={"added": sorted(set(wanted) - current), "removed": sorted(removed)},
    )
    session.flush()
    answer = _answer(session, org_id)
    session.commit()
    return answer
