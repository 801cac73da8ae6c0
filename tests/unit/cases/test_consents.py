from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.cases.domain import consents
from services.cases.domain.consents import ConsentFacts
from services.cases.domain.vocab import (
    Category,
    ContactBy,
    GivenBy,
    Relationship,
    RepresentativeBasis,
)

NOW = datetime(2021, 6, 1, tzinfo=UTC)
RECEIVER = uuid.uuid4()


def consent(**overrides: object) -> ConsentFacts:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "to_org_ids": frozenset({RECEIVER}),
        "categories": frozenset({Category.IDENTITY, Category.HISTORY}),
        "given_by": GivenBy.SELF,
        "obtained_at": NOW - timedelta(days=10),
        "expires_at": None,
        "withdrawn_at": None,
    } | overrides
    return ConsentFacts(**values)  # type: ignore[arg-type]


def test_a_consent_is_active_until_withdrawn_or_expired() -> None:
    assert consents.status(consent(), NOW) == "active"
    assert consents.status(consent(withdrawn_at=NOW - timedelta(seconds=1)), NOW) == "withdrawn"
    assert consents.status(consent(expires_at=NOW), NOW) == "expired"
    assert consents.status(consent(obtained_at=NOW + timedelta(days=1)), NOW) == "pending"


def test_coverage_needs_the_receiver_and_every_category() -> None:
    given = consent()
    assert consents.covers(given, RECEIVER, [Category.IDENTITY], NOW)
    assert consents.covers(given, RECEIVER, [Category.IDENTITY, Category.HISTORY], NOW)
    assert not consents.covers(given, RECEIVER, [Category.IDENTITY, Category.CONTACT], NOW)
    assert not consents.covers(given, uuid.uuid4(), [Category.IDENTITY], NOW)
    assert not consents.covers(consent(expires_at=NOW - timedelta(days=1)), RECEIVER, [], NOW)


def test_the_newest_covering_consent_is_chosen() -> None:
    old = consent(obtained_at=NOW - timedelta(days=100))
    new = consent(obtained_at=NOW - timedelta(days=1))
    narrow = consent(categories=frozenset({Category.IDENTITY}), obtained_at=NOW)
    assert consents.covering([old, new, narrow], RECEIVER, [Category.HISTORY], NOW) is new
    assert consents.covering([narrow], RECEIVER, [Category.HISTORY], NOW) is None


def test_the_consent_ladder_climbs_from_anonymous_family_to_the_persons_own_consent() -> None:
    family = [ContactBy.FAMILY]
    assert (
        consents.ladder_rung(person_anonymous=True, contact_parties=family, consents=[], now=NOW)
        == "family_anonymous"
    )
    assert (
        consents.ladder_rung(person_anonymous=False, contact_parties=family, consents=[], now=NOW)
        == "family_named"
    )
    both = [ContactBy.FAMILY, ContactBy.SELF]
    assert (
        consents.ladder_rung(person_anonymous=False, contact_parties=both, consents=[], now=NOW)
        == "person_reached"
    )
    mothers_word = consent(given_by=GivenBy.FAMILY)
    assert (
        consents.ladder_rung(
            person_anonymous=False, contact_parties=both, consents=[mothers_word], now=NOW
        )
        == "person_reached"
    )
    guardian = consent(given_by=GivenBy.LEGAL_REPRESENTATIVE)
    assert (
        consents.ladder_rung(
            person_anonymous=False, contact_parties=both, consents=[guardian], now=NOW
        )
        == "person_consented"
    )
    assert (
        consents.ladder_rung(
            person_anonymous=False, contact_parties=both, consents=[consent()], now=NOW
        )
        == "person_consented"
    )
    withdrawn = consent(withdrawn_at=NOW - timedelta(days=1))
    assert (
        consents.ladder_rung(
            person_anonymous=False, contact_parties=both, consents=[withdrawn], now=NOW
        )
        == "person_reached"
    )
    assert [r["reached"] for r in consents.ladder("family_named")] == [True, True, False, False]


def test_a_family_members_consent_never_covers_the_persons_data() -> None:
    mothers_word = consent(given_by=GivenBy.FAMILY)
    assert not consents.covers(mothers_word, RECEIVER, [Category.IDENTITY], NOW)
    assert consents.covering([mothers_word], RECEIVER, [Category.IDENTITY], NOW) is None


def test_a_legal_representatives_consent_covers_the_persons_data() -> None:
    parent = consent(given_by=GivenBy.LEGAL_REPRESENTATIVE)
    assert consents.covers(parent, RECEIVER, [Category.IDENTITY, Category.HISTORY], NOW)


def test_a_legal_representative_is_recorded_with_the_basis_of_representation() -> None:
    def codes(*args: object) -> list[str]:
        return [e.code for e in consents.giver_problems(*args)]  # type: ignore[arg-type]

    assert codes(GivenBy.LEGAL_REPRESENTATIVE, None, None) == ["representative_basis_required"]
    assert codes(GivenBy.LEGAL_REPRESENTATIVE, None, RepresentativeBasis.GUARDIANSHIP) == []
    assert codes(GivenBy.LEGAL_REPRESENTATIVE, Relationship.MOTHER, RepresentativeBasis.MINOR) == []
    assert codes(GivenBy.FAMILY, Relationship.MOTHER, RepresentativeBasis.MINOR) == [
        "not_representative"
    ]
    assert codes(GivenBy.SELF, Relationship.MOTHER, None) == ["self"]
    assert codes(GivenBy.FAMILY, Relationship.MOTHER, None) == []
