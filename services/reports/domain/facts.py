"""What an event counts: the facts each event type contributes to the measures.

Pure: takes the event's type and ``data`` (docs/events.md), returns facts or raises
:class:`~common.errors.UnusableEvent` for data a report cannot place (the consumer
dead-letters it with the reason, so the gap is visible rather than silent).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from common.clock import jst_date
from common.errors import UnusableEvent
from common.fiscal import fiscal_year_of
from services.reports.domain import kpi


@dataclass(frozen=True)
class Fact:
    measure: str
    subject: str
    """The person key (for LINE, a digest of the channel and the keyed user hash)."""
    fiscal_year: int
    period: int
    """Fiscal month: 1 = April … 12 = March, by the JST date."""
    occurred_at: datetime


def fiscal_period(moment: datetime) -> tuple[int, int]:
    """(fiscal year, fiscal month) of a moment, by its date in Japan."""
    return fiscal_year_of(moment), (jst_date(moment).month - 4) % 12 + 1


def _time(data: Mapping[str, Any], name: str) -> datetime:
    raw = data.get(name)
    if not raw:
        raise UnusableEvent(f"{name} is missing")
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError as exc:
        raise UnusableEvent(f"{name} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise UnusableEvent(f"{name} has no UTC offset")
    return moment.astimezone(UTC)


_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _str(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if value in (None, ""):
        raise UnusableEvent(f"{name} is missing")
    text = str(value)
    if len(text) > 128:
        raise UnusableEvent(f"{name} is too long")
    return text


def _code(data: Mapping[str, Any], name: str) -> str:
    """An enum code (activity type, path kind): it becomes part of a measure's name."""
    value = _str(data, name)
    if not _CODE.match(value):
        raise UnusableEvent(f"{name} is not a code: {value!r}")
    return value


def placed_time(data: Mapping[str, Any], time_field: str) -> datetime:
    """The fact's time, checked against the producer's ``fiscal_year``."""
    return _placed(data, time_field)[2]


def _placed(data: Mapping[str, Any], time_field: str) -> tuple[int, int, datetime]:
    """Year and month of the fact. The producer's ``fiscal_year`` must agree with the JST
    date: a disagreement is a producer bug that would put a count in the wrong year."""
    moment = _time(data, time_field)
    year, period = fiscal_period(moment)
    given = data.get("fiscal_year")
    if given is not None:
        try:
            given_year = int(given)
        except (TypeError, ValueError) as exc:
            raise UnusableEvent("fiscal_year is not an integer") from exc
        if given_year != year:
            raise UnusableEvent(
                f"fiscal_year {given_year} disagrees with the JST date of {time_field} ({year})"
            )
    return year, period, moment


TIME_FIELDS = {
    "case.opened": "opened_at",
    "contact.logged": "occurred_at",
    "activity.recorded": "occurred_at",
    "outcome.recorded": "occurred_at",
    "line.followed": "at",
    "line.unfollowed": "at",
    "line.message_received": "at",
}
"""The event types that count something, and the field that dates them."""


def _measures(event_type: str, data: Mapping[str, Any]) -> list[str]:
    if event_type == "case.opened":
        return [kpi.CASE_OPENED]
    if event_type == "contact.logged":
        by = _code(data, "by")
        if by not in ("self", "family"):
            raise UnusableEvent(f"by must be self or family, not {by!r}")
        return [kpi.CONSULTATION, f"{kpi.CONSULTATION}.{by}"]
    if event_type == "activity.recorded":
        activity = _code(data, "type")
        measures = [kpi.activity_measure(activity)]
        if (
            activity == "retention_followup"
            and _int_or_none(data.get("checkpoint_months")) == 6
            and data.get("retained") is True
        ):
            measures.append(kpi.RETAINED_6M)
        return measures
    if event_type == "outcome.recorded":
        outcome = _code(data, "type")
        if outcome == "job_search_started":
            return [kpi.JOB_SEARCH]
        if outcome == "path_decided":
            return [kpi.PATH_DECIDED, kpi.path_measure(_code(data, "path"))]
        if outcome == "retention":
            # A retention outcome is retained at 6 months unless it says otherwise: not
            # retained, or an earlier checkpoint (cases may send both fields).
            checkpoint = _int_or_none(data.get("checkpoint_months"))
            retained = data.get("retained") is not False
            reached = checkpoint is None or checkpoint >= 6
            return [kpi.RETAINED_6M] if retained and reached else ["outcome.retention"]
        return [f"outcome.{outcome}"]
    if event_type == "line.followed":
        refollow = data.get("refollow")
        if not isinstance(refollow, bool):
            raise UnusableEvent("refollow must be true or false")
        return [kpi.LINE_REFOLLOW if refollow else kpi.LINE_NEW_FRIEND]
    if event_type == "line.unfollowed":
        return [kpi.LINE_BLOCK]
    if event_type == "line.message_received":
        return [kpi.LINE_MESSAGE]
    return []


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def line_subject(data: Mapping[str, Any]) -> str:
    """The LINE user a fact counts. ``line_user_hash`` is keyed per channel, so one person
    is a different hash on another channel and two channels could in principle share a
    hash: the pair is the user. Digested to a fixed length that fits the subject column
    (a hash may be up to 128 characters) and stays a pseudonym."""
    try:
        channel_id = uuid.UUID(_str(data, "channel_id"))
    except ValueError as exc:
        raise UnusableEvent("channel_id is not a uuid") from exc
    user_hash = _str(data, "line_user_hash")
    return hashlib.sha256(f"{channel_id}:{user_hash}".encode()).hexdigest()


def facts_of(event_type: str, data: Mapping[str, Any]) -> list[Fact]:
    """The facts an event contributes; [] for a type that counts nothing."""
    time_field = TIME_FIELDS.get(event_type)
    if time_field is None:
        return []
    is_line = event_type.startswith("line.")
    subject = line_subject(data) if is_line else _str(data, "person_key")
    year, period, moment = _placed(data, time_field)
    measures = _measures(event_type, data)
    if len(set(measures)) != len(measures):  # e.g. a path kind spelled like a measure
        raise UnusableEvent("the event counts one measure twice")
    return [Fact(m, subject, year, period, moment) for m in measures]
