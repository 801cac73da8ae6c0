"""The one consent-coverage rule both the cases service (which records consents) and the
referrals service's gate use."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from common.consent import Gap, covers, gaps, missing_categories, status

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
RECEIVER = uuid.uuid4()


@dataclass(frozen=True)
class Terms:
    to_org_ids: frozenset[uuid.UUID] = frozenset({RECEIVER})
    categories: frozenset[str] = frozenset({"identity", "history"})
    obtained_at: datetime | None = NOW - timedelta(days=3)
    expires_at: datetime | None = None
    withdrawn_at: datetime | None = None
    given_by: str | None = "self"


def test_an_active_consent_naming_the_receiver_and_every_category_covers() -> None:
    assert covers(Terms(), RECEIVER, ["identity", "history"], NOW)
    assert covers(Terms(), RECEIVER, [], NOW)
    assert gaps(Terms(), RECEIVER, ["history"], NOW) == []


@pytest.mark.parametrize(
    ("changes", "gap"),
    [
        ({"withdrawn_at": NOW}, Gap.WITHDRAWN),
        ({"expires_at": NOW}, Gap.EXPIRED),  # expiry is exclusive of its own moment
        ({"obtained_at": NOW + timedelta(seconds=1)}, Gap.PENDING),
        ({"to_org_ids": frozenset({uuid.uuid4()})}, Gap.RECEIVER_NOT_NAMED),
        ({"categories": frozenset({"identity"})}, Gap.CATEGORIES_MISSING),
        ({"given_by": "family"}, Gap.NOT_THE_PERSONS),
        ({"given_by": None}, Gap.NOT_THE_PERSONS),  # who consented must be known
    ],
)
def test_each_gap_alone_stops_the_provision(changes: dict[str, object], gap: Gap) -> None:
    terms = replace(Terms(), **changes)  # type: ignore[arg-type]
    assert gaps(terms, RECEIVER, ["identity", "history"], NOW) == [gap]
    assert not covers(terms, RECEIVER, ["identity", "history"], NOW)


def test_withdrawal_wins_over_expiry_and_every_gap_is_reported() -> None:
    terms = Terms(
        withdrawn_at=NOW - timedelta(days=1),
        expires_at=NOW - timedelta(days=2),
        to_org_ids=frozenset(),
        categories=frozenset(),
    )
    assert status(terms, NOW) == "withdrawn"
    assert gaps(terms, RECEIVER, ["identity"], NOW) == [
        Gap.WITHDRAWN,
        Gap.RECEIVER_NOT_NAMED,
        Gap.CATEGORIES_MISSING,
    ]


def test_missing_categories_keep_the_order_asked() -> None:
    terms = Terms(categories=frozenset({"history"}))
    assert missing_categories(terms, ["sensitive", "history", "contact"]) == [
        "sensitive",
        "contact",
    ]


def test_a_withdrawal_dated_ahead_is_not_yet_in_force() -> None:
    assert status(Terms(withdrawn_at=NOW + timedelta(hours=1)), NOW) == "active"


@pytest.mark.parametrize("giver", ["self", "legal_representative", "guardian"])
def test_the_person_or_a_legal_representative_consents_for_the_persons_data(giver: str) -> None:
    assert covers(Terms(given_by=giver), RECEIVER, ["identity"], NOW)
