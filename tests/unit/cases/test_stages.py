from __future__ import annotations

import pytest

from common.errors import Conflict, ValidationFailed
from services.cases.domain import stages
from services.cases.domain.vocab import ActivityType, OutcomeType, Path, Stage


def test_a_worker_may_set_any_open_stage_but_not_closed() -> None:
    stages.check_set_stage(Stage.EXPERIENCE, Stage.INTAKE)
    with pytest.raises(ValidationFailed):
        stages.check_set_stage(Stage.INTAKE, Stage.CLOSED)


def test_a_closed_case_is_reopened_before_anything_else() -> None:
    with pytest.raises(Conflict):
        stages.check_set_stage(Stage.CLOSED, Stage.INTAKE)
    with pytest.raises(Conflict):
        stages.check_open(Stage.CLOSED)
    with pytest.raises(Conflict):
        stages.check_close(Stage.CLOSED)


def test_reopening_returns_to_the_stage_before_closing_unless_told_otherwise() -> None:
    assert stages.reopen_stage(Stage.CLOSED, Stage.EXPERIENCE, None) is Stage.EXPERIENCE
    assert stages.reopen_stage(Stage.CLOSED, Stage.EXPERIENCE, Stage.INTAKE) is Stage.INTAKE
    assert stages.reopen_stage(Stage.CLOSED, None, None) is Stage.INTAKE
    with pytest.raises(Conflict):
        stages.reopen_stage(Stage.INTAKE, None, None)


def test_records_only_ever_move_a_case_up() -> None:
    assert stages.advanced(Stage.INTAKE, Stage.EXPERIENCE) is Stage.EXPERIENCE
    assert stages.advanced(Stage.JOB_SEARCH, Stage.PREPARATION) is None
    assert stages.advanced(Stage.CLOSED, Stage.RETENTION) is None
    assert stages.advanced(Stage.INTAKE, None) is None


def test_which_stage_a_record_says_the_person_reached() -> None:
    assert stages.ACTIVITY_STAGE[ActivityType.COUNTRY_WORK] is Stage.EXPERIENCE
    assert ActivityType.GROUP_PROGRAM not in stages.ACTIVITY_STAGE
    assert stages.outcome_stage(OutcomeType.JOB_SEARCH_STARTED, None) is Stage.JOB_SEARCH
    assert stages.outcome_stage(OutcomeType.PATH_DECIDED, Path.EMPLOYMENT_REGULAR) is Stage.EMPLOYED
    assert stages.outcome_stage(OutcomeType.PATH_DECIDED, Path.EDUCATION) is None
    assert stages.outcome_stage(OutcomeType.RETENTION, None) is Stage.RETENTION
