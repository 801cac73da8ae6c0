"""What each event counts, and in which fiscal year and month (by the JST date)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from common.clock import JST
from services.reports.domain.facts import UnusableEvent, facts_of, fiscal_period

PERSON = "6d1a6a43-86a4-4a8e-9d3a-1f6a2b0c9e11"


def at(*args: int) -> str:
    return datetime(*args, tzinfo=JST).astimezone(UTC).isoformat()


def contact(when: str, by: str = "self", **extra: object) -> dict[str, object]:
    return {"person_key": PERSON, "by": by, "channel": "phone", "occurred_at": when, **extra}


def test_2330_on_31_march_jst_is_the_old_year_and_0010_on_1_april_the_new() -> None:
    assert fiscal_period(datetime(2021, 3, 31, 23, 30, tzinfo=JST)) == (2020, 12)
    assert fiscal_period(datetime(2021, 4, 1, 0, 10, tzinfo=JST)) == (2021, 1)
    # 00:10 JST on 1 April is still 31 March in UTC; the JST date decides.
    assert fiscal_period(datetime(2021, 3, 31, 15, 10, tzinfo=UTC)) == (2021, 1)


def test_a_consultation_counts_for_the_person_and_for_who_consulted() -> None:
    (total, family) = facts_of("contact.logged", contact(at(2020, 6, 1), by="family"))
    assert (total.measure, family.measure) == ("consultation", "consultation.family")
    assert total.subject == PERSON
    assert (total.fiscal_year, total.period) == (2020, 3)


def test_a_producers_fiscal_year_must_agree_with_the_jst_date() -> None:
    assert facts_of("contact.logged", contact(at(2021, 3, 31, 23, 30), fiscal_year=2020))
    with pytest.raises(UnusableEvent, match="disagrees"):
        facts_of("contact.logged", contact(at(2021, 4, 1, 0, 10), fiscal_year=2020))


@pytest.mark.parametrize(
    ("data", "measures"),
    [
        ({"type": "job_search_started"}, ["job_search"]),
        ({"type": "path_decided", "path": "welfare"}, ["path_decided", "path_decided.welfare"]),
        ({"type": "retention"}, ["retained_6m"]),
        ({"type": "retention", "retained": True, "checkpoint_months": 6}, ["retained_6m"]),
        ({"type": "retention", "retained": True, "checkpoint_months": 12}, ["retained_6m"]),
        ({"type": "retention", "retained": True, "checkpoint_months": 3}, ["outcome.retention"]),
        ({"type": "retention", "retained": False, "checkpoint_months": 6}, ["outcome.retention"]),
    ],
)
def test_outcomes_count_their_kind(data: dict[str, object], measures: list[str]) -> None:
    facts = facts_of(
        "outcome.recorded", {"person_key": PERSON, "occurred_at": at(2020, 5, 1), **data}
    )
    assert [f.measure for f in facts] == measures


@pytest.mark.parametrize(
    ("checkpoint", "retained", "counted"),
    [(6, True, True), (6, False, False), (3, True, False), (12, True, False), (6, None, False)],
)
def test_only_a_retained_6_month_follow_up_counts_as_retained_at_6_months(
    checkpoint: int, retained: bool | None, counted: bool
) -> None:
    facts = facts_of(
        "activity.recorded",
        {
            "person_key": PERSON,
            "type": "retention_followup",
            "occurred_at": at(2020, 5, 1),
            "checkpoint_months": checkpoint,
            "retained": retained,
        },
    )
    assert ("retained_6m" in [f.measure for f in facts]) is counted
    assert facts[0].measure == "activity.retention_followup"


def test_line_events_count_the_salted_user_hash() -> None:
    (fact,) = facts_of("line.followed", {"line_user_hash": "ab12", "at": at(2020, 5, 1, 18)})
    assert (fact.measure, fact.subject) == ("line.follow", "ab12")


def test_events_that_count_nothing_give_no_facts() -> None:
    assert facts_of("consent.recorded", {}) == []
    assert facts_of("referral.sent", {"at": at(2020, 5, 1)}) == []


@pytest.mark.parametrize(
    ("event_type", "data", "message"),
    [
        ("contact.logged", {"by": "self", "occurred_at": at(2020, 5, 1)}, "person_key"),
        ("contact.logged", contact(at(2020, 5, 1), by="neighbour"), "self or family"),
        ("contact.logged", contact("2020-05-01T10:00:00"), "offset"),
        ("contact.logged", contact("yesterday"), "ISO 8601"),
        ("contact.logged", contact(at(2020, 5, 1), fiscal_year="x"), "integer"),
        (
            "activity.recorded",
            {"person_key": PERSON, "type": "Drop Table", "occurred_at": at(2020, 5, 1)},
            "code",
        ),
        (
            "outcome.recorded",
            {"person_key": PERSON, "type": "path_decided", "occurred_at": at(2020, 5, 1)},
            "path",
        ),
    ],
)
def test_events_missing_what_their_type_promises_are_unusable(
    event_type: str, data: dict[str, object], message: str
) -> None:
    with pytest.raises(UnusableEvent, match=message):
        facts_of(event_type, data)
