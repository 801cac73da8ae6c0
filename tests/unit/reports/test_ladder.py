"""The ladder's rules: which fact puts a person on which rung, dated how, and the days on
a rung when rungs are skipped or reached out of order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from common.errors import UnusableEvent
from services.reports.domain.ladder import first_dates, ladder, rungs_of

KEY = "0b7e2f7a-1c7d-4d2b-9a51-3f3c2a7f6b10"


def _at(month: int, day: int, year: int = 2020) -> datetime:
    return datetime(year, month, day, 3, tzinfo=UTC)


def _stage(**data: object) -> dict[str, object]:
    return {
        "person_key": KEY,
        "changed_at": "2020-05-11T01:00:00+00:00",
        "fiscal_year": 2020,
        "recorded_at": "2020-06-01T01:00:00+00:00",
    } | data


def test_a_stage_change_an_activity_caused_is_dated_by_the_activity() -> None:
    step = rungs_of(
        "case.stage_changed",
        _stage(to_stage="experience", record="activity", record_type="country_work"),
    )
    assert step is not None
    assert (step.rung, step.reached_at, step.fiscal_year) == (
        "country_work",
        datetime(2020, 5, 11, 1, tzinfo=UTC),
        2020,
    )


@pytest.mark.parametrize(
    ("event_type", "data", "rung"),
    [
        ("case.stage_changed", _stage(to_stage="job_search"), "job_search"),
        ("case.stage_changed", _stage(to_stage="employed"), "path_decided"),
        ("case.stage_changed", _stage(to_stage="experience"), None),  # which rung? the record says
        ("case.stage_changed", _stage(to_stage="closed"), None),
        (
            "activity.recorded",
            {
                "person_key": KEY,
                "type": "retention_followup",
                "retained": True,
                "occurred_at": "2020-05-11T01:00:00+00:00",
                "fiscal_year": 2020,
            },
            "retention",
        ),
        (
            "activity.recorded",
            {
                "person_key": KEY,
                "type": "retention_followup",
                "retained": False,
                "occurred_at": "2020-05-11T01:00:00+00:00",
                "fiscal_year": 2020,
            },
            None,
        ),
        (
            "outcome.recorded",
            {
                "person_key": KEY,
                "type": "path_decided",
                "path": "welfare",
                "occurred_at": "2020-05-11T01:00:00+00:00",
                "fiscal_year": 2020,
            },
            "path_decided",
        ),
        ("line.followed", {"at": "2020-05-11T01:00:00+00:00"}, None),
    ],
)
def test_which_fact_is_which_rung(event_type: str, data: dict[str, object], rung: str) -> None:
    step = rungs_of(event_type, data)
    assert (step.rung if step else None) == rung


def test_a_rung_dated_in_another_fiscal_year_than_the_producer_says_is_refused() -> None:
    with pytest.raises(UnusableEvent):
        rungs_of("case.stage_changed", _stage(to_stage="job_search", fiscal_year=2019))


def test_days_on_a_rung_run_to_the_first_higher_rung_reached_after_it() -> None:
    reached = first_dates(
        [
            ("a", "consultation", _at(5, 1)),
            ("a", "job_search", _at(5, 31)),
            ("a", "workplace_tour", _at(6, 10)),  # a tour after the job search began
            ("a", "path_decided", _at(7, 10)),
            ("a", "consultation", _at(4, 20)),  # an earlier consultation wins
            ("b", "consultation", _at(3, 1, 2021)),  # 令和2年度 too, still there
        ]
    )
    rungs = {r["rung"]: r for r in ladder(reached, 2020, _at(3, 11, 2021))}
    assert rungs["consultation"]["persons"] == 2
    assert rungs["consultation"]["median_days"] == 41.0  # 20 April → 31 May
    assert rungs["consultation"]["median_days_so_far"] == 10.0
    assert rungs["workplace_tour"]["median_days"] == 30.0  # 10 June → 10 July
    assert rungs["job_search"]["median_days"] == 40.0  # skips the later tour: → 10 July
    assert rungs["country_work"]["persons"] == 0
