"""Dates in event data: UTC ISO 8601 and the fiscal year of the JST date."""

from __future__ import annotations

from datetime import datetime

from common.clock import as_utc
from common.fiscal import fiscal_year_of


def iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def stamped(key: str, moment: datetime) -> dict[str, object]:
    """``{key: UTC ISO, "fiscal_year": FY of the JST date}``: 00:10 on 1 April JST is
    already the new fiscal year although it is still 31 March in UTC."""
    return {key: iso(moment), "fiscal_year": fiscal_year_of(moment)}
