"""The legal basis of a referral and the consent gate (DESIGN §3, APPI art. 27).

A referral is a provision of personal data to a third party. It goes out on exactly one
basis: a consent that is active, names the receiver and covers every category; a statutory
exception with its reason; or anonymously, with no identifying field. Everything here
answers with field errors (422) and never touches storage, so a refusal writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from common import consent as rule
from common.consent import Gap
from common.errors import FieldError, ValidationFailed
from services.referrals.domain.codes import CATEGORY_ORDER, Basis, Category, ExceptionCode


@dataclass(frozen=True)
class LegalBasis:
    basis: Basis
    consent_id: uuid.UUID | None = None
    exception_code: ExceptionCode | None = None
    exception_reason: str | None = None


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


@dataclass(frozen=True)
class OrgView:
    """A member organization as the local directory knows it."""

    org_id: uuid.UUID
    consortium_id: uuid.UUID
    name: str
    kind: str
    status: str


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
) -> LegalBasis:
    """The one legal basis the sender gave, checked against the categories chosen."""
    given = [
        name
        for name, present in (
            ("consent_id", consent_id is not None),
            ("exception", exception_code is not None),
            ("anonymous", anonymous),
        )
        if present
    ]
    if len(given) != 1:
        message = (
            "Give a legal basis: consent_id, exception or anonymous"
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
