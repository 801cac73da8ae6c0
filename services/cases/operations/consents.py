"""Consents to share with other members, their withdrawal, and the referral packet."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import FieldError, Forbidden, ValidationFailed
from common.permissions import Perm
from common.principal import Principal
from services.cases import events
from services.cases.domain import consents as rules
from services.cases.domain.packets import build_packet, ordered_categories
from services.cases.domain.records import not_in_future
from services.cases.domain.vocab import Category
from services.cases.models import Activity, Consent, Contact, Note, OrgDirectoryEntry, Outcome
from services.cases.operations.common import (
    activity_as_dict,
    audit,
    consent_as_dict,
    consent_facts,
    contact_as_dict,
    iso,
    load_case,
    load_consent,
    outcome_as_dict,
    person_age_band,
    person_as_dict,
    remember_staff,
    require,
    tenant_of,
    who,
)
from services.cases.schemas import ConsentCreate, PacketQuery, WithdrawBody


def _check_recipients(
    session: Session, principal: Principal, org_ids: list[uuid.UUID]
) -> list[FieldError]:
    errors = []
    known = {
        row.org_id: row
        for row in session.scalars(
            sa.select(OrgDirectoryEntry).where(OrgDirectoryEntry.org_id.in_(org_ids))
        )
    }
    for index, org_id in enumerate(org_ids):
        entry = known.get(org_id)
        field = f"to_org_ids.{index}"
        if org_id == principal.org_id:
            errors.append(FieldError(field, "Your own organization needs no consent", "own_org"))
        elif entry is None or entry.consortium_id != principal.consortium_id:
            errors.append(FieldError(field, "Not a member of your consortium", "unknown_org"))
    return errors


def record_consent(
    session: Session, principal: Principal, case_id: uuid.UUID, body: ConsentCreate
) -> dict[str, Any]:
    require(principal, Perm.CASE_WRITE, "record consents")
    case = load_case(session, principal, case_id, for_update=True)
    remember_staff(session, principal)
    now = utcnow()
    to_org_ids = list(dict.fromkeys(body.to_org_ids))
    errors = _check_recipients(session, principal, to_org_ids)
    errors += not_in_future("obtained_at", body.obtained_at, now)
    if body.expires_at is not None and body.expires_at <= body.obtained_at:
        errors.append(FieldError("expires_at", "Must be after obtained_at", "order"))
    errors += rules.giver_problems(
        body.given_by, body.given_by_relationship, body.representative_basis
    )
    if errors:
        raise ValidationFailed(errors)
    consent = Consent(
        org_id=case.org_id,
        case_id=case.id,
        to_org_ids=[str(o) for o in to_org_ids],
        categories=[c.value for c in ordered_categories(body.categories)],
        method=body.method.value,
        given_by=body.given_by.value,
        given_by_relationship=(
            body.given_by_relationship.value if body.given_by_relationship else None
        ),
        representative_basis=(
            body.representative_basis.value if body.representative_basis else None
        ),
        obtained_at=body.obtained_at,
        expires_at=body.expires_at,
        note=body.note or None,
        recorded_by=principal.user_id,
    )
    session.add(consent)
    session.flush()
    events.consent_recorded(session, case, consent, **who(principal))
    audit(
        session,
        principal,
        "consent.create",
        "consent",
        consent.id,
        details={"case": str(case.id), "categories": consent.categories},
    )
    session.commit()
    return consent_as_dict(consent, now)


def list_consents(session: Session, principal: Principal, case_id: uuid.UUID) -> dict[str, Any]:
    case = load_case(session, principal, case_id)
    rows = session.scalars(
        sa.select(Consent)
        .where(Consent.case_id == case.id, Consent.org_id == case.org_id)
        .order_by(Consent.obtained_at.desc(), Consent.id)
    )
    now = utcnow()
    items = [consent_as_dict(r, now) for r in rows]
    audit(session, principal, "consent.list", "case", case.id)
    session.commit()
    return {"items": items, "next_cursor": None}


def get_consent(session: Session, principal: Principal, consent_id: uuid.UUID) -> dict[str, Any]:
    consent = load_consent(session, principal, consent_id)
    audit(session, principal, "consent.read", "consent", consent.id)
    session.commit()
    return consent_as_dict(consent)


def withdraw_consent(
    session: Session, principal: Principal, consent_id: uuid.UUID, body: WithdrawBody
) -> dict[str, Any]:
    """Stops future sharing at once; what was already shared cannot be recalled."""
    require(principal, Perm.CASE_WRITE, "withdraw consents")
    consent = load_consent(session, principal, consent_id)
    case = load_case(session, principal, consent.case_id, for_update=True, erased_ok=True)
    if consent.withdrawn_at is not None:
        from common.errors import Conflict

        raise Conflict("The consent is already withdrawn", code="already_withdrawn")
    consent.withdrawn_at = utcnow()
    consent.withdraw_reason = body.reason
    consent.withdrawn_by = principal.user_id
    events.consent_withdrawn(session, case, consent, **who(principal))
    audit(session, principal, "consent.withdraw", "consent", consent.id)
    session.commit()
    return consent_as_dict(consent)


def _consent_answer(
    consent: Consent | None, to_org_id: uuid.UUID, categories: list[Category]
) -> dict[str, Any] | None:
    if consent is None:
        return None
    now = utcnow()
    facts = consent_facts(consent)
    return consent_as_dict(consent, now) | {
        "active": rules.is_active(facts, now),
        "covers": rules.covers(facts, to_org_id, categories, now),
    }


def packet(
    session: Session, principal: Principal, case_id: uuid.UUID, query: PacketQuery
) -> dict[str, Any]:
    """What a referral of this case to ``to_org_id`` would carry, and the consent that
    would allow it (docs/events.md "The referral packet"). The referrals service asks on
    behalf of the sender, snapshots the answer and decides; this only reports."""
    require(principal, Perm.REFERRAL_SEND, "refer cases")
    case = load_case(session, principal, case_id)
    if case.erased_at is not None:
        raise ValidationFailed(
            FieldError("case_id", "The person's data was erased: it is not shared", "case_erased")
        )
    categories = [] if query.anonymous else ordered_categories(query.category_list())
    if Category.SENSITIVE in categories and not principal.can(Perm.CASE_READ_SENSITIVE):
        raise Forbidden("Your role may not share sensitive information")
    if query.to_org_id == tenant_of(principal):
        raise ValidationFailed(FieldError("to_org_id", "A referral goes to another member"))
    consents = list(
        session.scalars(
            sa.select(Consent).where(Consent.case_id == case.id, Consent.org_id == case.org_id)
        )
    )
    chosen: Consent | None = None
    if query.consent_id is not None:
        chosen = next((c for c in consents if c.id == query.consent_id), None)
    elif not query.anonymous and categories:
        best = rules.covering(
            [consent_facts(c) for c in consents], query.to_org_id, categories, utcnow()
        )
        chosen = next((c for c in consents if best and c.id == best.id), None)

    def rows(model: Any) -> list[Any]:
        return list(
            session.scalars(
                sa.select(model)
                .where(model.case_id == case.id, model.org_id == case.org_id)
                .order_by(model.occurred_at, model.id)
            )
        )

    wanted = set(categories)
    # A summary kept marked sensitive leaves only under a consent naming ``sensitive``.
    contacts = (
        [contact_as_dict(c, may_read_sensitive=Category.SENSITIVE in wanted) for c in rows(Contact)]
        if Category.HISTORY in wanted
        else []
    )
    support = Category.SUPPORT_RECORD in wanted
    sensitive_notes = []
    if Category.SENSITIVE in wanted:
        sensitive_notes = [
            {"category": n.category, "body": n.body, "recorded_at": iso(n.recorded_at)}
            for n in session.scalars(
                sa.select(Note)
                .where(Note.case_id == case.id, Note.org_id == case.org_id, Note.sensitive)
                .order_by(Note.recorded_at, Note.id)
            )
        ]
    built = build_packet(
        categories=categories,
        anonymous=query.anonymous,
        person=person_as_dict(case),
        age_band=person_age_band(case),
        stage=case.stage,
        contacts=contacts,
        activities=[activity_as_dict(a) for a in rows(Activity)] if support else [],
        outcomes=[outcome_as_dict(o) for o in rows(Outcome)] if support else [],
        sensitive_notes=sensitive_notes,
    )
    audit(
        session,
        principal,
        "case.packet",
        "case",
        case.id,
        purpose=query.purpose or f"referral to {query.to_org_id}",
        details={
            "to_org_id": str(query.to_org_id),
            "categories": built["categories"],
            "consent_id": str(chosen.id) if chosen else None,
            "anonymous": query.anonymous,
        },
    )
    session.commit()
    return {
        "case_id": str(case.id),
        "person_key": str(case.person.person_key),
        "packet": built,
        "consent": _consent_answer(chosen, query.to_org_id, categories),
    }
