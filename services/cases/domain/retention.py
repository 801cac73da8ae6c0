"""How long a closed case is kept: the org's retention policy, in whole years after closing,
set by its admin and never below the floor the law and the programmes' rules ask for.

Pure: the operations and the worker's job ask it when a closed case falls due."""

from __future__ import annotations

from datetime import datetime

from common.errors import FieldError

MINIMUM_YEARS = 5
"""The floor every member is held to: five years after closing, the retention the publicly
funded support programmes' implementation rules commonly ask of support records (to be
confirmed per programme with the prefecture's privacy officer). A member may keep closed
cases longer, never shorter."""
MAXIMUM_YEARS = 30


def policy_errors(years: int) -> list[FieldError]:
    if years < MINIMUM_YEARS:
        return [
            FieldError(
                "closed_case_years",
                f"Keep closed cases at least {MINIMUM_YEARS} years",
                "below_legal_minimum",
            )
        ]
    if years > MAXIMUM_YEARS:
        return [FieldError("closed_case_years", f"At most {MAXIMUM_YEARS} years", "above_maximum")]
    return []


def removal_due(closed_at: datetime, years: int) -> datetime:
    """The moment a case closed at ``closed_at`` may be removed: the same day ``years``
    later (28 February for a 29 February closing)."""
    try:
        return closed_at.replace(year=closed_at.year + years)
    except ValueError:
        return closed_at.replace(year=closed_at.year + years, day=28)


def closed_before(now: datetime, years: int) -> datetime:
    """Cases closed before this moment are due for removal under a ``years`` policy."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)
