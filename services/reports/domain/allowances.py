"""The allowance (手当) ledger: what ``activity.recorded`` says was paid for experiential
work, and its totals per person, per member and overall for a fiscal year.

Pure: the projection stores one row per paid activity (:func:`payment_of`); the ledger
adds them up (:func:`ledger`). A person is their person key, never a name."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common.errors import UnusableEvent
from services.reports.domain.facts import facts_of

PAID_TYPES = ("work_experience", "country_work")
"""The activities the programme pays an allowance for, in the order the ledger lists them
(cases refuses an allowance on any other type)."""


@dataclass(frozen=True)
class Payment:
    person_key: str
    activity_type: str
    fiscal_year: int
    occurred_at: datetime
    days: int | None
    allowance_yen: int


def _count(data: Mapping[str, Any], name: str, minimum: int) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UnusableEvent(f"{name} must be an integer ≥ {minimum}")
    return value


def payment_of(event_type: str, data: Mapping[str, Any]) -> Payment | None:
    """The allowance an event records, or None (not an activity, or nothing paid)."""
    if event_type != "activity.recorded":
        return None
    yen = _count(data, "allowance_yen", 0)
    if yen is None:
        return None
    days = _count(data, "days", 1)
    # The same checks as the KPI facts: person key, type code, the year of the JST date.
    fact = facts_of(event_type, data)[0]
    return Payment(
        person_key=fact.subject,
        activity_type=str(data["type"]),
        fiscal_year=fact.fiscal_year,
        occurred_at=fact.occurred_at,
        days=days,
        allowance_yen=yen,
    )


@dataclass(frozen=True)
class PaymentRow:
    """A stored payment as the ledger reads it."""

    org_id: uuid.UUID
    person_key: str
    activity_type: str
    days: int | None
    allowance_yen: int


def _totals() -> dict[str, Any]:
    return {
        "payments": 0,
        "days": 0,
        "allowance_yen": 0,
        "by_type": {kind: 0 for kind in PAID_TYPES},
    }


def _add(totals: dict[str, Any], row: PaymentRow) -> None:
    totals["payments"] += 1
    totals["days"] += row.days or 0
    totals["allowance_yen"] += row.allowance_yen
    by_type = totals["by_type"]
    by_type[row.activity_type] = by_type.get(row.activity_type, 0) + row.allowance_yen


def ledger(rows: Iterable[PaymentRow], names: Mapping[uuid.UUID, str | None]) -> dict[str, Any]:
    """Totals per (member, person), per member and overall. A person paid by two members
    has a line under each (each accounts for its own payments) and counts once overall."""
    persons: dict[tuple[uuid.UUID, str], dict[str, Any]] = {}
    members: dict[uuid.UUID, dict[str, Any]] = {}
    member_persons: dict[uuid.UUID, set[str]] = {}
    total = _totals()
    everyone: set[str] = set()
    for row in rows:
        line = persons.setdefault((row.org_id, row.person_key), _totals())
        _add(line, row)
        _add(members.setdefault(row.org_id, _totals()), row)
        member_persons.setdefault(row.org_id, set()).add(row.person_key)
        _add(total, row)
        everyone.add(row.person_key)

    def name(org_id: uuid.UUID) -> str:
        return names.get(org_id) or ""

    return {
        "paid_types": list(PAID_TYPES),
        "persons": [
            {"org_id": str(org_id), "org_name": names.get(org_id), "person_key": key} | line
            for (org_id, key), line in sorted(persons.items(), key=lambda i: (name(i[0][0]), i[0]))
        ],
        "members": [
            {
                "org_id": str(org_id),
                "org_name": names.get(org_id),
                "persons": len(member_persons[org_id]),
            }
            | line
            for org_id, line in sorted(members.items(), key=lambda i: (name(i[0]), i[0]))
        ],
        "total": {"persons": len(everyone)} | total,
    }
