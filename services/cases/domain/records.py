"""What makes a contact, an activity or an outcome well-formed beyond its field types.

Each check returns every problem at once (field-level errors), so a form can show
them all; the operations raise them as one 422."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from common.clock import JST
from common.errors import FieldError
from services.cases.domain.vocab import (
    RETENTION_CHECKPOINTS,
    ActivityType,
    ContactBy,
    OutcomeType,
    Path,
    Relationship,
)

FUTURE_SLACK = timedelta(days=1)
"""A record may be dated up to a day ahead (clock skew, a visit logged at midnight)."""

PAID_ACTIVITIES = frozenset({ActivityType.WORK_EXPERIENCE, ActivityType.COUNTRY_WORK})
"""Activities that may carry days and an allowance (手当)."""


def not_in_future(field: str, moment: datetime | None, now: datetime) -> list[FieldError]:
    if moment is not None and moment > now + FUTURE_SLACK:
        return [FieldError(field, "May not be in the future", "in_future")]
    return []


def contact_problems(
    by: ContactBy, relationship: Relationship | None, occurred_at: datetime, now: datetime
) -> list[FieldError]:
    errors = not_in_future("occurred_at", occurred_at, now)
    if by is ContactBy.SELF and relationship is not None:
        errors.append(
            FieldError(
                "relationship", "Only a family member's contact has a relationship", "not_family"
            )
        )
    return errors


def activity_problems(
    *,
    kind: ActivityType,
    occurred_at: datetime,
    days: int | None,
    allowance_yen: int | None,
    checkpoint_months: int | None,
    retained: bool | None,
    now: datetime,
) -> list[FieldError]:
    errors = not_in_future("occurred_at", occurred_at, now)
    if kind not in PAID_ACTIVITIES:
        if allowance_yen is not None:
            errors.append(
                FieldError("allowance_yen", "Only work experience or country work pays one")
            )
        if days is not None:
            errors.append(FieldError("days", "Only work experience or country work has days"))
    if kind is ActivityType.RETENTION_FOLLOWUP:
        if checkpoint_months is None:
            errors.append(
                FieldError("checkpoint_months", "A retention follow-up needs its checkpoint")
            )
        elif checkpoint_months not in RETENTION_CHECKPOINTS:
            errors.append(FieldError("checkpoint_months", "Must be 1, 3, 6 or 12", "enum"))
    else:
        if checkpoint_months is not None:
            errors.append(
                FieldError("checkpoint_months", "Only a retention follow-up has a checkpoint")
            )
        if retained is not None:
            errors.append(FieldError("retained", "Only a retention follow-up says this"))
    return errors


def outcome_problems(
    *,
    kind: OutcomeType,
    path: Path | None,
    employer: str | None,
    sector: str | None,
    retained: bool | None,
    checkpoint_months: int | None,
    occurred_at: datetime,
    now: datetime,
) -> list[FieldError]:
    errors = not_in_future("occurred_at", occurred_at, now)
    if kind is OutcomeType.PATH_DECIDED:
        if path is None:
            errors.append(FieldError("path", "A decided path needs its kind", "missing"))
    else:
        if path is not None:
            errors.append(FieldError("path", "Only path_decided has a path"))
        if employer is not None or sector is not None:
            field = "employer" if employer is not None else "sector"
            errors.append(FieldError(field, "Only path_decided names an employer or sector"))
    if kind is OutcomeType.RETENTION:
        if retained is None:
            errors.append(FieldError("retained", "Say whether the person is still at work"))
        if checkpoint_months is not None and checkpoint_months not in RETENTION_CHECKPOINTS:
            errors.append(FieldError("checkpoint_months", "Must be 1, 3, 6 or 12", "enum"))
    elif retained is not None or checkpoint_months is not None:
        field = "retained" if retained is not None else "checkpoint_months"
        errors.append(FieldError(field, "Only a retention outcome says this"))
    return errors


def derived_checkpoint(
    occurred_at: datetime, working_since: datetime | None, recorded: Iterable[int]
) -> int:
    """The checkpoint (1/3/6/12 months) of a retention follow-up recorded without one (API.md
    lists it as optional). With the start of work known, the checkpoint nearest the time
    since then (a tie goes to the earlier one); without it, the first checkpoint not yet
    recorded on the case — follow-ups come in that order — and 12 once all are."""
    if working_since is not None:
        start, then = working_since.astimezone(JST), occurred_at.astimezone(JST)
        months = (then.year - start.year) * 12 + (then.month - start.month)
        elapsed = months + (then.day - start.day) / 30.4
        return min(RETENTION_CHECKPOINTS, key=lambda c: (abs(c - elapsed), c))
    done = set(recorded)
    return next((c for c in RETENTION_CHECKPOINTS if c not in done), RETENTION_CHECKPOINTS[-1])


def stage_change_moment(
    occurred_at: datetime, previous_change: datetime, now: datetime
) -> datetime:
    """When a stage reached by a record was reached: the record's own time — but never before
    the rung it leaves began (the ladder's history stays in order) and never ahead of now
    (a record may be dated a little ahead)."""
    return min(max(occurred_at, previous_change), now)
