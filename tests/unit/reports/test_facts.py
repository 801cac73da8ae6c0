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


CHANNEL = "0b7e2f7a-1c7d-4d2b-9a51-3f3c2a7f6b10"
OTHER_CHANNEL = "5d0c1c3e-9f0a-4f7e-8f3b-6a3e1d2c4b50"


def line(
    when: str, channel: str = CHANNEL, user: str = "ab12", **extra: object
) -> dict[str, object]:
    return {"channel_id": channel, "line_user_hash": user, "at": when, **extra}


def test_a_follow_counts_a_new_friend_and_an_unblock_a_refollow() -> None:
    (new,) = facts_of("line.followed", line(at(2020, 5, 1, 18), refollow=False))
    (again,) = facts_of("line.followed", line(at(2020, 6, 1, 18), refollow=True))
    (block,) = facts_of("line.unfollowed", line(at(2020, 5, 20, 18)))
    message = {"conversation_id": PERSON, "message_type": "text", "out_of_hours": False}
    (said,) = facts_of("line.message_received", line(at(2020, 5, 2, 18), **message))
    assert [f.measure for f in (new, again, block, said)] == [
        "line.new_friend",
        "line.refollow",
        "line.block",
        "line.message",
    ]
    # One LINE user is one subject, whatever they did: never the hash as such.
    assert len({f.subject for f in (new, again, block, said)}) == 1
    assert "ab12" not in new.subject


def test_a_line_user_is_the_channel_and_the_hash_together() -> None:
    here = facts_of("line.followed", line(at(2020, 5, 1), refollow=False))[0]
    there = facts_of("line.followed", line(at(2020, 5, 1), OTHER_CHANNEL, refollow=False))[0]
    assert here.subject != there.subject
    long_hash = "f" * 128
    (fact,) = facts_of("line.followed", line(at(2020, 5, 1), user=long_hash, refollow=False))
    assert len(fact.subject) <= 128


@pytest.mark.parametrize(
    ("moment", "year", "period"),
    [
        (datetime(2021, 3, 31, 23, 59, tzinfo=JST), 2020, 12),  # 令和2年度
        (datetime(2021, 4, 1, 0, 0, tzinfo=JST), 2021, 1),  # 令和3年度
    ],
)
def test_a_follow_falls_in_the_fiscal_year_of_its_jst_date(
    moment: datetime, year: int, period: int
) -> None:
    when = moment.astimezone(UTC).isoformat()
    (fact,) = facts_of("line.followed", line(when, refollow=False, fiscal_year=year))
    assert (fact.fiscal_year, fact.period) == (year, period)
    with pytest.raises(UnusableEvent, match="disagrees"):
        facts_of("line.followed", line(when, refollow=False, fiscal_year=year + 1))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"line_user_hash": "ab12", "at": at(2020, 5, 1), "refollow": False}, "channel_id"),
        (line(at(2020, 5, 1), channel="not-a-uuid", refollow=False), "channel_id"),
        (line(at(2020, 5, 1)), "refollow"),
        (line(at(2020, 5, 1), refollow="false"), "refollow"),
        (line(at(2020, 5, 1), user="", refollow=False), "line_user_hash"),
    ],
)
def test_a_line_follow_without_what_places_it_is_unusable(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(UnusableEvent, match=message):
        facts_of("line.followed", data)


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
