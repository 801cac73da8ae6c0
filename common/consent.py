"""The consent-coverage rule (APPI art. 27): a consent allows providing a person's data to
another member when it is active (obtained, not expired, not withdrawn), names that member
and covers every data category asked for.

The cases service records consents and owns this rule (services.cases.domain.consents uses
it as is). It lives in the shared kernel only because the referrals service checks the same
rule on the consent the cases service answered with, and services do not import each other.
Pure: no storage, no clock of its own.

Who consents matters (APPI art. 27 asks for *the person's* consent): the person
(``self``) or a legal representative — a minor's parent, an adult's guardian under
成年後見 — speaks for the person; a family member's word (``family``) covers only the
family member's own information, never the person's data."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class ConsentTerms(Protocol):
    """What the rule reads of a consent, however a service holds it."""

    @property
    def to_org_ids(self) -> frozenset[uuid.UUID]: ...
    @property
    def categories(self) -> frozenset[str]: ...
    @property
    def obtained_at(self) -> datetime | None: ...
    @property
    def expires_at(self) -> datetime | None: ...
    @property
    def withdrawn_at(self) -> datetime | None: ...
    @property
    def given_by(self) -> str | None: ...


PERSONS_VOICE = frozenset({"self", "legal_representative", "guardian"})
"""Who may consent for the person's data: the person, or a legal representative
(``guardian`` is the older spelling of ``legal_representative``)."""


def speaks_for_the_person(given_by: str | None) -> bool:
    """True for the person's own consent or a legal representative's; a family member's
    (or an unknown giver's) does not cover the person's data."""
    return given_by in PERSONS_VOICE


class Gap(StrEnum):
    """Why a consent does not allow a provision; a consent has at most one status gap."""

    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    PENDING = "pending"
    RECEIVER_NOT_NAMED = "receiver_not_named"
    CATEGORIES_MISSING = "categories_missing"
    NOT_THE_PERSONS = "not_the_persons"
    """Given by a family member: it covers the family member's own information only."""


def status(consent: ConsentTerms, now: datetime) -> str:
    """``active``, ``withdrawn``, ``expired`` or ``pending`` (obtained_at still ahead)."""
    if consent.withdrawn_at is not None and consent.withdrawn_at <= now:
        return "withdrawn"
    if consent.expires_at is not None and consent.expires_at <= now:
        return "expired"
    if consent.obtained_at is not None and consent.obtained_at > now:
        return "pending"
    return "active"


def missing_categories(consent: ConsentTerms, categories: Iterable[str]) -> list[str]:
    """The categories asked for that the consent does not name, in the order asked."""
    return [c for c in categories if c not in consent.categories]


def gaps(
    consent: ConsentTerms, to_org_id: uuid.UUID, categories: Iterable[str], now: datetime
) -> list[Gap]:
    """Every reason the consent does not allow this provision; empty when it does."""
    found: list[Gap] = []
    state = status(consent, now)
    if state != "active":
        found.append(Gap(state))
    if not speaks_for_the_person(consent.given_by):
        found.append(Gap.NOT_THE_PERSONS)
    if to_org_id not in consent.to_org_ids:
        found.append(Gap.RECEIVER_NOT_NAMED)
    if missing_categories(consent, categories):
        found.append(Gap.CATEGORIES_MISSING)
    return found


def covers(
    consent: ConsentTerms, to_org_id: uuid.UUID, categories: Iterable[str], now: datetime
) -> bool:
    """Active, given by the person or a legal representative, names the receiving org and
    covers every category asked for."""
    return not gaps(consent, to_org_id, categories, now)
