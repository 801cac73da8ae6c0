"""Consent to provide data to another member (APPI art. 27), and the hikikomori
consent ladder a case climbs: family consulting anonymously → named family →
person reached → person consents to sharing. The coverage rule itself (``status``,
``covers``) is common.consent, shared with the referrals service's gate."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from common.consent import covers, speaks_for_the_person, status
from common.errors import FieldError
from services.cases.domain.vocab import (
    Category,
    ContactBy,
    GivenBy,
    Relationship,
    RepresentativeBasis,
)

__all__ = [
    "ConsentFacts",
    "covering",
    "covers",
    "giver_problems",
    "is_active",
    "ladder",
    "ladder_rung",
    "status",
]


@dataclass(frozen=True)
class ConsentFacts:
    """What the rules need to know of a recorded consent."""

    id: uuid.UUID
    to_org_ids: frozenset[uuid.UUID]
    categories: frozenset[Category]
    given_by: GivenBy
    obtained_at: datetime
    expires_at: datetime | None
    withdrawn_at: datetime | None


def giver_problems(
    given_by: GivenBy,
    relationship: Relationship | None,
    representative_basis: RepresentativeBasis | None,
) -> list[FieldError]:
    """Who consented must be recorded as they are: a legal representative with the basis
    of the representation (a minor's parent, an adult's guardian under 成年後見), a family
    member as family — whose word never stands for the person's own consent."""
    errors: list[FieldError] = []
    if given_by is GivenBy.SELF and relationship is not None:
        errors.append(
            FieldError(
                "given_by_relationship", "Only a representative or family member has one", "self"
            )
        )
    if given_by is GivenBy.LEGAL_REPRESENTATIVE and representative_basis is None:
        errors.append(
            FieldError(
                "representative_basis",
                "Say why they represent the person: a minor's parent or a guardian (成年後見)",
                "representative_basis_required",
            )
        )
    if given_by is not GivenBy.LEGAL_REPRESENTATIVE and representative_basis is not None:
        errors.append(
            FieldError(
                "representative_basis",
                "Only a legal representative has a basis of representation",
                "not_representative",
            )
        )
    return errors


def is_active(consent: ConsentFacts, now: datetime) -> bool:
    return status(consent, now) == "active"


def covering(
    consents: Sequence[ConsentFacts],
    to_org_id: uuid.UUID,
    categories: Iterable[Category],
    now: datetime,
) -> ConsentFacts | None:
    """The covering consent obtained most recently, if any."""
    wanted = set(categories)
    found = [c for c in consents if covers(c, to_org_id, wanted, now)]
    return max(found, key=lambda c: c.obtained_at) if found else None


LADDER = ("family_anonymous", "family_named", "person_reached", "person_consented")
"""The rungs, lowest first."""


def ladder_rung(
    *,
    person_anonymous: bool,
    contact_parties: Iterable[ContactBy],
    consents: Sequence[ConsentFacts],
    now: datetime,
) -> str:
    """Where a case stands on the hikikomori consent ladder.

    The person consents once an active consent given by themselves (or their legal
    representative) exists — a family member's consent never counts; they are reached
    once they have consulted themselves; a family is named once the person's record is
    no longer anonymous."""
    if any(speaks_for_the_person(c.given_by) and is_active(c, now) for c in consents):
        return "person_consented"
    if ContactBy.SELF in set(contact_parties):
        return "person_reached"
    return "family_anonymous" if person_anonymous else "family_named"


def ladder(rung: str) -> list[dict[str, object]]:
    reached = LADDER.index(rung)
    return [{"rung": name, "reached": i <= reached} for i, name in enumerate(LADDER)]
