from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.cases.domain import records
from services.cases.domain.vocab import ActivityType, ContactBy, OutcomeType, Path, Relationship

NOW = datetime(2021, 6, 1, tzinfo=UTC)


def fields(errors: list[records.FieldError]) -> set[str]:
    return {e.field for e in errors}


def activity(kind: ActivityType, **kw: object) -> set[str]:
    values: dict[str, object] = {
        "days": None,
        "allowance_yen": None,
        "checkpoint_months": None,
        "retained": None,
        "occurred_at": NOW,
    } | kw
    return fields(records.activity_problems(kind=kind, now=NOW, **values))  # type: ignore[arg-type]


def outcome(kind: OutcomeType, **kw: object) -> set[str]:
    values: dict[str, object] = {
        "path": None,
        "employer": None,
        "sector": None,
        "retained": None,
        "checkpoint_months": None,
        "occurred_at": NOW,
    } | kw
    return fields(records.outcome_problems(kind=kind, now=NOW, **values))  # type: ignore[arg-type]


def test_only_paid_activities_carry_days_and_allowances() -> None:
    assert activity(ActivityType.WORK_EXPERIENCE, days=5, allowance_yen=10000) == set()
    assert activity(ActivityType.COUNTRY_WORK, allowance_yen=0) == set()
    assert activity(ActivityType.SEMINAR, allowance_yen=500, days=1) == {"allowance_yen", "days"}


def test_retention_follow_ups_need_a_checkpoint_of_1_3_6_or_12_months() -> None:
    assert activity(ActivityType.RETENTION_FOLLOWUP, checkpoint_months=6, retained=True) == set()
    assert activity(ActivityType.RETENTION_FOLLOWUP) == {"checkpoint_months"}
    assert activity(ActivityType.RETENTION_FOLLOWUP, checkpoint_months=2) == {"checkpoint_months"}
    assert activity(ActivityType.SEMINAR, checkpoint_months=1, retained=True) == {
        "checkpoint_months",
        "retained",
    }


def test_a_decided_path_needs_its_kind_and_only_it_names_an_employer() -> None:
    assert outcome(OutcomeType.PATH_DECIDED) == {"path"}
    assert outcome(OutcomeType.PATH_DECIDED, path=Path.WELFARE, employer="A") == set()
    assert outcome(OutcomeType.JOB_SEARCH_STARTED, employer="A") == {"employer"}
    assert outcome(OutcomeType.RETENTION) == {"retained"}
    assert outcome(OutcomeType.RETENTION, retained=False, checkpoint_months=3) == set()


def test_records_may_not_be_dated_ahead_of_tomorrow() -> None:
    later = NOW + timedelta(days=2)
    assert fields(records.contact_problems(ContactBy.SELF, None, later, NOW)) == {"occurred_at"}
    assert records.contact_problems(ContactBy.SELF, None, NOW + timedelta(hours=12), NOW) == []
    assert fields(records.contact_problems(ContactBy.SELF, Relationship.MOTHER, NOW, NOW)) == {
        "relationship"
    }


# --- derived checkpoints and dated stage changes -----------------------------------------


def _jst(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00+09:00")


def test_the_checkpoint_nearest_the_time_in_work_is_derived() -> None:
    start = _jst("2021-04-01")
    assert records.derived_checkpoint(_jst("2021-04-20"), start, []) == 1
    assert records.derived_checkpoint(_jst("2021-08-16"), start, []) == 3  # 4.5 months: a tie
    assert records.derived_checkpoint(_jst("2021-08-20"), start, []) == 6
    assert records.derived_checkpoint(_jst("2023-01-01"), start, [1, 3, 6, 12]) == 12
    assert records.derived_checkpoint(_jst("2021-03-01"), start, []) == 1  # before work began


def test_without_a_start_of_work_the_next_checkpoint_is_derived() -> None:
    assert records.derived_checkpoint(_jst("2021-04-20"), None, []) == 1
    assert records.derived_checkpoint(_jst("2021-04-20"), None, [1, 6]) == 3
    assert records.derived_checkpoint(_jst("2021-04-20"), None, [1, 3, 6, 12]) == 12


def test_a_stage_change_is_dated_by_its_record_within_the_ladders_order() -> None:
    before, record, now = _jst("2021-05-01"), _jst("2021-06-01"), _jst("2021-07-01")
    assert records.stage_change_moment(record, before, now) == record
    assert records.stage_change_moment(_jst("2021-04-01"), before, now) == before
    assert records.stage_change_moment(_jst("2021-07-02"), before, now) == now
