"""The stage ladder of a case: which moves are allowed, and which records move it on.

Workers may move an open case to any open stage (people step back as well as
forward); only closing reaches ``closed``, and only reopening leaves it. Recording
an activity or outcome moves a case *up* the ladder to where that record says the
person is, never down."""

from __future__ import annotations

from common.errors import Conflict, FieldError, ValidationFailed
from services.cases.domain.vocab import (
    EMPLOYMENT_PATHS,
    OPEN_STAGES,
    ActivityType,
    OutcomeType,
    Path,
    Stage,
)

RANK = {stage: i for i, stage in enumerate(OPEN_STAGES)}


def check_set_stage(current: Stage, target: Stage) -> None:
    """A worker sets the stage directly (PATCH)."""
    if current is Stage.CLOSED:
        raise Conflict("The case is closed; reopen it first", code="case_closed")
    if target is Stage.CLOSED:
        raise ValidationFailed(
            FieldError("stage", "Close a case with its reason instead", "use_close")
        )


def check_close(current: Stage) -> None:
    if current is Stage.CLOSED:
        raise Conflict("The case is already closed", code="already_closed")


def reopen_stage(current: Stage, before_close: Stage | None, requested: Stage | None) -> Stage:
    """The stage a reopened case returns to: the one asked for, else where it was."""
    if current is not Stage.CLOSED:
        raise Conflict("The case is open", code="already_open")
    if requested is Stage.CLOSED:
        raise ValidationFailed(FieldError("stage", "A reopened case is open", "invalid"))
    return requested or before_close or Stage.INTAKE


def check_open(current: Stage) -> None:
    """Contacts, activities and outcomes go on open cases."""
    if current is Stage.CLOSED:
        raise Conflict("The case is closed; reopen it first", code="case_closed")


ACTIVITY_STAGE: dict[ActivityType, Stage] = {
    ActivityType.APTITUDE_TEST: Stage.PREPARATION,
    ActivityType.INTERVIEW_PRACTICE: Stage.PREPARATION,
    ActivityType.WORKPLACE_TOUR: Stage.EXPERIENCE,
    ActivityType.COUNTRY_WORK: Stage.EXPERIENCE,
    ActivityType.WORK_EXPERIENCE: Stage.EXPERIENCE,
    ActivityType.JOB_APPLICATION: Stage.JOB_SEARCH,
    ActivityType.RETENTION_FOLLOWUP: Stage.RETENTION,
}


def outcome_stage(kind: OutcomeType, path: Path | None) -> Stage | None:
    if kind is OutcomeType.JOB_SEARCH_STARTED:
        return Stage.JOB_SEARCH
    if kind is OutcomeType.PATH_DECIDED:
        return Stage.EMPLOYED if path in EMPLOYMENT_PATHS else None
    return Stage.RETENTION


def advanced(current: Stage, reached: Stage | None) -> Stage | None:
    """The new stage if ``reached`` is higher on the ladder than ``current``; else None."""
    if reached is None or current is Stage.CLOSED:
        return None
    return reached if RANK[reached] > RANK[current] else None
