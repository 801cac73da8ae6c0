"""Consent to provide data to another member (APPI art. 27), and the hikikomori
consent ladder a case climbs: family consulting anonymously → named family →
person reached → person consents to sharing. The coverage rule itself (``status``,
``covers``) is common.consent, shared with the referrals service's gate."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from common.consent import covers, status
from services.cases.domain.vocab import Category, ContactBy, GivenBy

__all__ = ["ConsentFacts", "covering", "covers", "is_active", "ladder", "ladder_rung", "status"]


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

    The person consents once an active consent given by themselves exists; they
    are reached once they have consulted themselves; a family is named once the
    person's record is no longer anonymous."""
    if any(c.given_by is GivenBy.SELF and is_active(c, now) for c in consents):
        return "person_consented"
    if ContactBy.SELF in set(contact_parties):
        return "person_reached"
    return "family_anonymous" if person_anonymous else "family_named"


def ladder(rung: str) -> list[dict[str, object]]:
    reached = LADDER.index(rung)
    return [{"rung": name, "reached": i <= reached} for i, name in enumerate(LADDER)]
