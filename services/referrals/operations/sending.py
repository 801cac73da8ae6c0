"""Sending a referral: the legal basis, the receiver, the packet fetched on behalf of the
sender, the consent gate — and only when every check has passed, one transaction that
writes the referral, its history, both provision records, the receiver's notice, the
audit entries and ``referral.sent``. A refusal writes nothing and tells no one."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.audit import record_audit
from common.clock import jst_date
from common.errors import FieldError, ValidationFailed
from common.permissions import Perm
from common.principal import Principal
from services.referrals import events
from services.referrals.cases_client import CaseNotFound, PacketAnswer, PacketRequest
from services.referrals.domain.codes import Basis, Category, Urgency
from services.referrals.domain.deadlines import default_respond_by, due_at, respond_by_errors
from services.referrals.domain.gate import (
    LegalBasis,
    MeetingRecord,
    check_provision,
    choose_basis,
    meeting_errors,
    ordered_categories,
    receiver_errors,
    record_keeping_errors,
)
from services.referrals.domain.packets import data_items, for_reader, shape_packet
from services.referrals.domain.states import Status
from services.referrals.models import (
    AuditEntry,
    ConsentFact,
    OrgDirectoryEntry,
    ProvisionRecord,
    Referral,
    ReferralTransition,
)
from services.referrals.operations import ReferralDeps
from services.referrals.operations.common import (
    audit_referral,
    notify,
    org_view,
    policy_for,
    require,
)
from services.referrals.operations.views import referral_detail
from services.referrals.schemas import ReferralCreate

log = logging.getLogger(__name__)
RETENTION_YEARS = 3
"""APPI rules art. 14: provision records are kept three years (we never delete them)."""


@dataclass(frozen=True)
class _Checked:
    basis: LegalBasis
    categories: list[Category]
    answer: PacketAnswer
    packet: dict[str, Any]
    respond_by: date
    now: datetime


def _refuse(errors: list[FieldError], principal: Principal, body: ReferralCreate) -> None:
    if errors:
        # Ids only: the refused attempt is logged, not stored.
        log.info(
            "referral refused",
            extra={
                "org_id": str(principal.org_id),
                "case_id": str(body.case_id),
                "codes": [e.code for e in errors],
            },
        )
        raise ValidationFailed(errors)


def _withdrawn_locally(session: Session, consent_id: uuid.UUID | None) -> bool:
    if consent_id is None:
        return False
    return (
        session.scalar(
            sa.select(ConsentFact.withdrawn_at).where(ConsentFact.consent_id == consent_id)
        )
        is not None
    )


def _meeting(body: ReferralCreate) -> MeetingRecord | None:
    given = body.support_meeting
    if given is None:
        return None
    return MeetingRecord(
        law=given.law,
        constituted_by=given.constituted_by.strip(),
        held_on=given.held_on,
        member_org_ids=tuple(given.member_org_ids),
        purpose=(given.purpose or "").strip() or None,
    )


def _meeting_fact(session: Session, meeting: MeetingRecord | None) -> dict[str, Any] | None:
    """The meeting's record as stored, with its members' names as they are today, so the
    ledger reads as the minutes did."""
    if meeting is None:
        return None
    names = {
        org_id: name
        for org_id, name in session.execute(
            sa.select(OrgDirectoryEntry.org_id, OrgDirectoryEntry.name).where(
                OrgDirectoryEntry.org_id.in_(meeting.member_org_ids)
            )
        )
    }
    return meeting.as_fact() | {
        "members": [{"id": str(o), "name": names.get(o)} for o in meeting.member_org_ids]
    }


def _consortium_members(session: Session, consortium_id: uuid.UUID | None) -> frozenset[uuid.UUID]:
    if consortium_id is None:
        return frozenset()
    return frozenset(
        session.scalars(
            sa.select(OrgDirectoryEntry.org_id).where(
                OrgDirectoryEntry.consortium_id == consortium_id
            )
        )
    )


def _parties_errors(
    session: Session, principal: Principal, body: ReferralCreate, basis: LegalBasis, now: datetime
) -> list[FieldError]:
    """The receiver, both sides' record-keeping details and, for a support meeting, its
    membership — all from the local directory."""
    assert principal.org_id is not None
    receiver = org_view(session, body.to_org_id)
    errors = receiver_errors(
        sender_org_id=principal.org_id, consortium_id=principal.consortium_id, receiver=receiver
    )
    if not errors:
        errors += record_keeping_errors(org_view(session, principal.org_id), receiver)
    if basis.meeting is not None:
        errors += meeting_errors(
            basis.meeting,
            sender_org_id=principal.org_id,
            to_org_id=body.to_org_id,
            known_org_ids=_consortium_members(session, principal.consortium_id),
            today=jst_date(now),
        )
    return errors


def _check(
    session: Session, deps: ReferralDeps, principal: Principal, token: str, body: ReferralCreate
) -> _Checked:
    """Every check of a referral, in the order that fails cheapest first. Writes nothing."""
    require(principal, Perm.REFERRAL_SEND, "Your role may not send referrals")
    assert principal.org_id is not None
    now = deps.now()
    categories = ordered_categories(body.categories)
    try:
        basis = choose_basis(
            consent_id=body.consent_id,
            exception_code=body.exception.code if body.exception else None,
            exception_reason=body.exception.reason if body.exception else None,
            anonymous=body.anonymous,
            categories=categories,
            meeting=_meeting(body),
        )
    except ValidationFailed as exc:
        _refuse(exc.errors, principal, body)
        raise
    errors = _parties_errors(session, principal, body, basis, now)
    policy = policy_for(session, principal.consortium_id) if principal.consortium_id else None
    respond_by = body.respond_by
    if respond_by is not None:
        errors += respond_by_errors(respond_by, now)
    elif policy is not None:
        respond_by = default_respond_by(now, body.urgency, policy)
    _refuse(errors, principal, body)
    assert respond_by is not None
    # Release the database before asking another service (SQLite holds one writer at a time).
    session.rollback()
    try:
        answer = deps.packet_source.fetch(
            token,
            PacketRequest(
                case_id=body.case_id,
                categories=[c.value for c in categories],
                to_org_id=body.to_org_id,
                consent_id=basis.consent_id,
                anonymous=basis.basis is Basis.ANONYMOUS,
            ),
        )
    except CaseNotFound:
        _refuse([FieldError("case_id", "No such case", "case_not_found")], principal, body)
        raise AssertionError("unreachable") from None
    if answer.case_id != body.case_id:
        _refuse([FieldError("case_id", "No such case", "case_not_found")], principal, body)
    try:
        check_provision(
            basis=basis,
            consent=answer.consent,
            case_id=body.case_id,
            to_org_id=body.to_org_id,
            categories=categories,
            now=now,
            withdrawn_locally=_withdrawn_locally(session, basis.consent_id),
        )
    except ValidationFailed as exc:
        _refuse(exc.errors, principal, body)
    packet = shape_packet(answer.packet, categories, anonymous=basis.basis is Basis.ANONYMOUS)
    return _Checked(basis, categories, answer, packet, respond_by, now)


def preview(
    session: Session, deps: ReferralDeps, principal: Principal, token: str, body: ReferralCreate
) -> dict[str, Any]:
    """The exact packet the receiver would see, for the person to check before sending.
    Runs every check of sending; writes nothing but the audit entry of the read."""
    checked = _check(session, deps, principal, token, body)
    record_audit(
        session,
        AuditEntry,
        action="referral.preview",
        resource_type="case",
        resource_id=body.case_id,
        principal=principal,
        details={
            "to_org_id": str(body.to_org_id),
            "categories": [c.value for c in checked.categories],
        },
    )
    session.commit()
    return {
        "case_id": str(body.case_id),
        "to_org_id": str(body.to_org_id),
        "basis": checked.basis.basis.value,
        "categories": [c.value for c in checked.categories],
        "respond_by": checked.respond_by.isoformat(),
        "packet": for_reader(
            checked.packet, may_read_sensitive=principal.can(Perm.CASE_READ_SENSITIVE)
        ),
        "data_items": data_items(
            checked.categories, anonymous=checked.basis.basis is Basis.ANONYMOUS
        ),
    }


def _retain_until(day: date) -> date:
    try:
        return day.replace(year=day.year + RETENTION_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + RETENTION_YEARS, day=28)


def create(
    session: Session, deps: ReferralDeps, principal: Principal, token: str, body: ReferralCreate
) -> dict[str, Any]:
    checked = _check(session, deps, principal, token, body)
    assert principal.org_id is not None
    assert principal.consortium_id is not None
    # The write transaction looks again at what may have changed while the cases
    # service answered: the receiver's status, and a withdrawal heard on the queue.
    receiver = org_view(session, body.to_org_id)
    errors = _parties_errors(session, principal, body, checked.basis, checked.now)
    if checked.basis.basis is Basis.CONSENT and _withdrawn_locally(
        session, checked.basis.consent_id
    ):
        errors.append(
            FieldError("consent_id", "The consent has been withdrawn", "consent_withdrawn")
        )
    if errors:
        session.rollback()
        _refuse(errors, principal, body)
    assert receiver is not None
    sender = org_view(session, principal.org_id)
    assert sender is not None  # record_keeping_errors refused a sender not on file
    now = checked.now
    anonymous = checked.basis.basis is Basis.ANONYMOUS
    consent = checked.answer.consent if checked.basis.basis is Basis.CONSENT else None
    meeting = _meeting_fact(session, checked.basis.meeting)
    referral = Referral(
        id=uuid.uuid4(),
        consortium_id=principal.consortium_id,
        from_org_id=principal.org_id,
        to_org_id=body.to_org_id,
        case_id=body.case_id,
        person_key=checked.answer.person_key,
        created_by=principal.user_id,
        created_by_name=principal.name,
        reason=body.reason,
        categories=[c.value for c in checked.categories],
        basis=checked.basis.basis.value,
        consent_id=checked.basis.consent_id,
        exception_code=checked.basis.exception_code.value if checked.basis.exception_code else None,
        exception_reason=checked.basis.exception_reason,
        consent_given_by=consent.given_by if consent else None,
        representative_basis=consent.representative_basis if consent else None,
        support_meeting=meeting,
        obtained_via=body.obtained_via.value,
        urgency=Urgency(body.urgency).value,
        respond_by=checked.respond_by,
        due_at=due_at(checked.respond_by),
        status=Status.SENT.value,
        packet=checked.packet,
        sent_at=now,
        updated_at=now,
    )
    session.add(referral)
    session.add(
        ReferralTransition(
            referral_id=referral.id,
            at=now,
            from_status=None,
            to_status=Status.SENT.value,
            action="send",
            actor_id=principal.user_id,
            actor_org_id=principal.org_id,
            actor_name=principal.name,
            reason=None,
        )
    )
    items = data_items(checked.categories, anonymous=anonymous)
    common_record: dict[str, Any] = {
        "referral_id": referral.id,
        "occurred_at": now,
        "basis": referral.basis,
        "consent_id": referral.consent_id,
        "consent_given_by": referral.consent_given_by,
        "representative_basis": referral.representative_basis,
        "support_meeting": meeting,
        "exception_code": referral.exception_code,
        "exception_reason": referral.exception_reason,
        "person_key": referral.person_key,
        "data_items": items,
        "recorded_at": now,
        "recorded_by": principal.user_id,
        "retain_until": _retain_until(jst_date(now)),
    }
    session.add(
        ProvisionRecord(
            org_id=principal.org_id,
            direction="provided",
            counterparty_org_id=receiver.org_id,
            counterparty_name=receiver.name,
            counterparty_address=receiver.address,
            counterparty_representative=receiver.representative,
            case_id=referral.case_id,
            obtained_via=None,
            **common_record,
        )
    )
    session.add(
        ProvisionRecord(
            org_id=receiver.org_id,
            direction="received",
            counterparty_org_id=principal.org_id,
            counterparty_name=sender.name,
            counterparty_address=sender.address,
            counterparty_representative=sender.representative,
            case_id=None,
            obtained_via=referral.obtained_via,
            **common_record,
        )
    )
    session.flush()
    notify(
        session, referral, [referral.to_org_id], "referral_received", actor_org_id=principal.org_id
    )
    audit_referral(
        session,
        principal,
        "referral.send",
        referral,
        details={"basis": referral.basis, "categories": referral.categories},
    )
    events.referral_event(
        session,
        referral,
        "sent",
        at=now,
        acting_org_id=principal.org_id,
        actor_id=principal.user_id,
    )
    session.commit()
    return referral_detail(session, principal, referral)
