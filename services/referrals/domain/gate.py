"""The legal basis of a referral and the consent gate (DESIGN §3, APPI art. 27).

A referral is a provision of personal data to a third party. It goes out on exactly one
basis: a consent of the person (or a legal representative) that is active, names the receiver
and covers every category; a statutory exception with its reason; the record of a support
meeting (支援会議) both orgs sat in; or anonymously, with no identifying field. Both orgs
must have an address and a representative on file, which the provision records name. Everything here
answers with field errors (422) and never touches storage, so a refusal writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from common import consent as rule
from common.consent import Gap
from common.errors import FieldError, ValidationFailed
from services.referrals.domain.codes import (
    CATEGORY_ORDER,
    Basis,
    Category,
    ExceptionCode,
    SupportMeetingLaw,
)


@dataclass(frozen=True)
class MeetingRecord:
    """The record of a support meeting (支援会議): the statute, who constituted it, the day
    it met and the member organizations present. Stored as a fact with the referral."""

    law: SupportMeetingLaw
    constituted_by: str
    held_on: date
    member_org_ids: tuple[uuid.UUID, ...]
    purpose: str | None = None

    def as_fact(self) -> dict[str, object]:
        return {
            "law": self.law.value,
            "constituted_by": self.constituted_by,
            "held_on": self.held_on.isoformat(),
            "member_org_ids": [str(o) for o in self.member_org_ids],
            "purpose": self.purpose,
        }


@dataclass(frozen=True)
class LegalBasis:
    basis: Basis
    consent_id: uuid.UUID | None = None
    exception_code: ExceptionCode | None = None
    exception_reason: str | None = None
    meeting: MeetingRecord | None = None


@dataclass(frozen=True)
class ConsentView:
    """The consent as the cases service answers it with the packet (docs/events.md)."""

    id: uuid.UUID
    case_id: uuid.UUID
    to_org_ids: frozenset[uuid.UUID]
    categories: frozenset[str]
    obtained_at: datetime | None
    expires_at: datetime | None
    withdrawn_at: datetime | None
    active: bool
    given_by: str | None = None
    """self, legal_representative or family; None when the answer did not say (refused)."""
    representative_basis: str | None = None
    """minor or guardianship, for a legal representative's consent."""


@dataclass(frozen=True)
class OrgView:
    """A member organization as the local directory knows it."""

    org_id: uuid.UUID
    consortium_id: uuid.UUID
    name: str
    kind: str
    status: str
    address: str | None = None
    representative: str | None = None


def ordered_categories(categories: Iterable[str]) -> list[Category]:
    chosen = {Category(c) for c in categories}
    return [c for c in CATEGORY_ORDER if c in chosen]


def choose_basis(
    *,
    consent_id: uuid.UUID | None,
    exception_code: ExceptionCode | None,
    exception_reason: str | None,
    anonymous: bool,
    categories: Sequence[str],
    meeting: MeetingRecord | None = None,
) -> LegalBasis:
    """The one legal basis the sender gave, checked against the categories chosen."""
    given = [
        name
        for name, present in (
            ("consent_id", consent_id is not None),
            ("exception", exception_code is not None),
            ("support_meeting", meeting is not None),
            ("anonymous", anonymous),
        )
        if present
    ]
    if len(given) != 1:
        message = (
            "Give a legal basis: consent_id, exception, support_meeting or anonymous"
            if not given
            else "Give exactly one legal basis, not " + " and ".join(given)
        )
        raise ValidationFailed(
            FieldError("basis", message, "basis_required" if not given else "basis_ambiguous")
        )
    errors: list[FieldError] = []
    if anonymous:
        if categories:
            errors.append(
                FieldError(
                    "categories",
                    "An anonymous referral carries no data categories",
                    "anonymous_with_categories",
                )
            )
        basis = LegalBasis(Basis.ANONYMOUS)
    elif exception_code is not None:
        if not (exception_reason or "").strip():
            errors.append(
                FieldError("exception.reason", "Give the reason for the exception", "missing")
            )
        if Category.SENSITIVE in categories:
            errors.append(
                FieldError(
                    "categories",
                    "Sensitive data (要配慮個人情報) leaves only with a consent that names it",
                    "sensitive_needs_consent",
                )
            )
        basis = LegalBasis(Basis.EXCEPTION, None, exception_code, (exception_reason or "").strip())
    elif meeting is not None:
        basis = LegalBasis(Basis.SUPPORT_MEETING, meeting=meeting)
    else:
        basis = LegalBasis(Basis.CONSENT, consent_id=consent_id)
    if not anonymous and not categories:
        errors.append(
            FieldError(
                "categories",
                "Choose at least one data category, or send the referral anonymously",
                "categories_required",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return basis


def receiver_errors(
    *, sender_org_id: uuid.UUID, consortium_id: uuid.UUID | None, receiver: OrgView | None
) -> list[FieldError]:
    """The receiver must be another active member of the sender's own consortium."""
    if receiver is None or consortium_id is None or receiver.consortium_id != consortium_id:
        return [
            FieldError(
                "to_org_id",
                "The receiver is not a member of your consortium",
                "receiver_outside_consortium",
            )
        ]
    if receiver.org_id == sender_org_id:
        return [FieldError("to_org_id", "A referral goes to another member", "receiver_is_self")]
    if receiver.status != "active":
        return [FieldError("to_org_id", "The receiver is suspended", "receiver_suspended")]
    return []


def meeting_errors(
    meeting: MeetingRecord,
    *,
    sender_org_id: uuid.UUID,
    to_org_id: uuid.UUID,
    known_org_ids: frozenset[uuid.UUID],
    today: date,
) -> list[FieldError]:
    """A support meeting allows sharing only among its members: both the sender and the
    receiver must have been present, every member must be a known member org, and the
    meeting must already have met."""
    errors: list[FieldError] = []
    if not meeting.constituted_by.strip():
        errors.append(
            FieldError(
                "support_meeting.constituted_by", "Say who constituted the meeting", "missing"
            )
        )
    if meeting.held_on > today:
        errors.append(
            FieldError("support_meeting.held_on", "The meeting has not met yet", "in_future")
        )
    if len(set(meeting.member_org_ids)) != len(meeting.member_org_ids):
        errors.append(FieldError("support_meeting.member_org_ids", "Each member once", "duplicate"))
    for index, org_id in enumerate(meeting.member_org_ids):
        if org_id not in known_org_ids:
            errors.append(
                FieldError(
                    f"support_meeting.member_org_ids.{index}",
                    "Not a member of your consortium",
                    "unknown_org",
                )
            )
    members = set(meeting.member_org_ids)
    if sender_org_id not in members or to_org_id not in members:
        errors.append(
            FieldError(
                "support_meeting.member_org_ids",
                "Both your organization and the receiver must be members of the meeting",
                "not_a_meeting_member",
            )
        )
    return errors


def record_keeping_errors(sender: OrgView | None, receiver: OrgView | None) -> list[FieldError]:
    """A provision record names each side's address and representative (APPI arts.
    29/30): a member without them on file cannot send or receive referrals."""
    errors: list[FieldError] = []
    if sender is None or not (sender.address and sender.representative):
        errors.append(
            FieldError(
                "from_org",
                "Your organization has no address or representative on file; an org admin "
                "enters them on the organization page before referrals can be sent",
                "sender_record_incomplete",
            )
        )
    if receiver is not None and not (receiver.address and receiver.representative):
        errors.append(
            FieldError(
                "to_org_id",
                "The receiver has no address or representative on file, so the provision "
                "cannot be recorded; ask them to enter both",
                "receiver_record_incomplete",
            )
        )
    return errors


def consent_errors(
    *,
    consent: ConsentView | None,
    consent_id: uuid.UUID,
    case_id: uuid.UUID,
    to_org_id: uuid.UUID,
    categories: Sequence[str],
    now: datetime,
    withdrawn_locally: bool = False,
) -> list[FieldError]:
    """Why the consent does not allow this provision (common.consent, the cases service's
    rule), as field errors; empty when it does.

    ``withdrawn_locally`` is this service's own memory of ``consent.withdrawn``: a
    withdrawal heard on the queue wins over an answer that may predate it."""
    if consent is None or consent.id != consent_id or consent.case_id != case_id:
        return [FieldError("consent_id", "No such consent for this case", "consent_not_found")]
    asked = [c.value for c in ordered_categories(categories)]
    found = set(rule.gaps(consent, to_org_id, asked, now))
    errors: list[FieldError] = []
    # Any recorded withdrawal counts, even one stamped a little ahead of this clock.
    if Gap.WITHDRAWN in found or consent.withdrawn_at is not None or withdrawn_locally:
        errors.append(
            FieldError("consent_id", "The consent has been withdrawn", "consent_withdrawn")
        )
    elif Gap.EXPIRED in found:
        errors.append(FieldError("consent_id", "The consent has expired", "consent_expired"))
    elif Gap.PENDING in found or not consent.active:
        errors.append(FieldError("consent_id", "The consent is not active", "consent_inactive"))
    if Gap.NOT_THE_PERSONS in found:
        errors.append(
            FieldError(
                "consent_id",
                "A family member's consent covers only their own information, not the "
                "person's: record the person's (or a legal representative's) consent, or "
                "use a statutory exception or a support meeting",
                "consent_given_by_family",
            )
        )
    if Gap.RECEIVER_NOT_NAMED in found:
        errors.append(
            FieldError(
                "to_org_id", "The consent does not name this receiver", "consent_receiver_not_named"
            )
        )
    if Gap.CATEGORIES_MISSING in found:
        missing = rule.missing_categories(consent, asked)
        errors.append(
            FieldError(
                "categories",
                "The consent does not cover: " + ", ".join(missing),
                "consent_category_missing",
            )
        )
    return errors


def check_provision(
    *,
    basis: LegalBasis,
    consent: ConsentView | None,
    case_id: uuid.UUID,
    to_org_id: uuid.UUID,
    categories: Sequence[str],
    now: datetime,
    withdrawn_locally: bool = False,
) -> None:
    """Raise ValidationFailed unless the basis allows sending these categories to the receiver."""
    if basis.basis is not Basis.CONSENT:
        return
    assert basis.consent_id is not None
    errors = consent_errors(
        consent=consent,
        consent_id=basis.consent_id,
        case_id=case_id,
        to_org_id=to_org_id,
        categories=categories,
        now=now,
        withdrawn_locally=withdrawn_locally,
    )
    if errors:
        raise ValidationFailed(errors)
