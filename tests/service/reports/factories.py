"""Events as the producers send them (docs/events.md), for the reports tests.

Every builder returns a :class:`common.messaging.envelope.Event` whose ``data`` follows the
contract exactly — ids, codes, UTC times and the ``fiscal_year`` of the JST date — so the
contract tests can validate them against ``contracts/events/*.json``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from common.clock import JST, as_utc
from common.fiscal import fiscal_year_of
from common.messaging.envelope import Event
from common.testing.principals import Tenant


def jst(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A wall-clock time in Japan, as the aware datetime producers would convert to UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=JST)


def _iso(moment: datetime) -> str:
    return as_utc(moment).isoformat()


def _event(
    type_: str,
    producer: str,
    tenant: Tenant | None,
    subject_id: uuid.UUID,
    data: dict[str, Any],
    *,
    occurred_at: datetime,
    consortium_id: uuid.UUID | None = None,
    with_consortium: bool = True,
) -> Event:
    return Event(
        type=type_,
        producer=producer,
        org_id=tenant.org_id if tenant else None,
        consortium_id=(
            (consortium_id or (tenant.consortium_id if tenant else None))
            if with_consortium
            else None
        ),
        actor_id=uuid.uuid4(),
        subject_id=subject_id,
        data=data,
        occurred_at=as_utc(occurred_at),
        request_id=None,
    )


def org_registered(
    tenant: Tenant,
    name: str,
    *,
    kind: str | None = None,
    at: datetime | None = None,
    status: str = "active",
    type_: str = "org.registered",
) -> Event:
    at = at or jst(2019, 4, 1)
    return _event(
        type_,
        "auth",
        tenant,
        tenant.org_id,
        {
            "org_id": str(tenant.org_id),
            "consortium_id": str(tenant.consortium_id),
            "name": name,
            "kind": kind or tenant.kind,
            "sector": "private",
            "status": status,
        },
        occurred_at=at,
    )


@dataclass
class Person:
    """A person of concern with a case at one org (a referral opens a second case for the
    same person key at the receiving org)."""

    tenant: Tenant
    person_key: uuid.UUID = field(default_factory=uuid.uuid4)
    case_id: uuid.UUID = field(default_factory=uuid.uuid4)
    with_consortium: bool = True

    def at_org(self, tenant: Tenant) -> Person:
        """The same person's case at another member (opened from a referral)."""
        return Person(tenant, self.person_key, uuid.uuid4(), self.with_consortium)

    def _fact(self, type_: str, subject_id: uuid.UUID, data: dict[str, Any], at: datetime) -> Event:
        return _event(
            type_,
            "cases",
            self.tenant,
            subject_id,
            {"case_id": str(self.case_id), "person_key": str(self.person_key), **data},
            occurred_at=at,
            with_consortium=self.with_consortium,
        )

    def case_opened(self, at: datetime, origin_referral_id: uuid.UUID | None = None) -> Event:
        return self._fact(
            "case.opened",
            self.case_id,
            {
                "opened_at": _iso(at),
                "fiscal_year": fiscal_year_of(at),
                "stage": "intake",
                "origin_referral_id": str(origin_referral_id) if origin_referral_id else None,
                "age_band": "40s",
                "gender": "unknown",
            },
            at,
        )

    def contact(
        self, at: datetime, *, by: str = "self", channel: str = "phone", minutes: int = 30
    ) -> Event:
        contact_id = uuid.uuid4()
        return self._fact(
            "contact.logged",
            contact_id,
            {
                "contact_id": str(contact_id),
                "channel": channel,
                "by": by,
                "relationship": "mother" if by == "family" else None,
                "occurred_at": _iso(at),
                "fiscal_year": fiscal_year_of(at),
                "minutes": minutes,
            },
            at,
        )

    def activity(
        self,
        at: datetime,
        type_: str,
        *,
        checkpoint_months: int | None = None,
        retained: bool | None = None,
        allowance_yen: int | None = None,
        days: int | None = None,
    ) -> Event:
        activity_id = uuid.uuid4()
        return self._fact(
            "activity.recorded",
            activity_id,
            {
                "activity_id": str(activity_id),
                "type": type_,
                "occurred_at": _iso(at),
                "fiscal_year": fiscal_year_of(at),
                "accompanied": False,
                "allowance_yen": allowance_yen,
                "days": days,
                "checkpoint_months": checkpoint_months,
                "retained": retained,
            },
            at,
        )

    def stage_changed(
        self,
        changed_at: datetime,
        from_stage: str,
        to_stage: str,
        *,
        record: str | None = None,
        record_type: str | None = None,
        recorded_at: datetime | None = None,
    ) -> Event:
        """A stage change; ``recorded_at`` (when it was typed) defaults to ``changed_at``."""
        recorded = recorded_at or changed_at
        return self._fact(
            "case.stage_changed",
            self.case_id,
            {
                "changed_at": _iso(changed_at),
                "fiscal_year": fiscal_year_of(changed_at),
                "from_stage": from_stage,
                "to_stage": to_stage,
                "kind": "set" if record is None else "advance",
                "recorded_at": _iso(recorded),
                "record": record,
                "record_id": None if record is None else str(uuid.uuid4()),
                "record_type": record_type,
            },
            recorded,
        )

    def outcome(
        self,
        at: datetime,
        type_: str,
        path: str | None = None,
        *,
        retained: bool | None = None,
        checkpoint_months: int | None = None,
    ) -> Event:
        outcome_id = uuid.uuid4()
        return self._fact(
            "outcome.recorded",
            outcome_id,
            {
                "outcome_id": str(outcome_id),
                "type": type_,
                "path": path,
                "occurred_at": _iso(at),
                "fiscal_year": fiscal_year_of(at),
                "retained": retained,
                "checkpoint_months": checkpoint_months,
            },
            at,
        )


LINE_CHANNEL = uuid.UUID("0b7e2f7a-1c7d-4d2b-9a51-3f3c2a7f6b10")


def line_event(
    type_: str,
    tenant: Tenant | None,
    user_hash: str,
    at: datetime,
    consortium_id: uuid.UUID,
    *,
    refollow: bool = False,
    channel_id: uuid.UUID = LINE_CHANNEL,
) -> Event:
    """A ``line.*`` event as services/line publishes it (contracts/events/line.*.json); the
    envelope's org is the channel's."""
    data: dict[str, Any] = {
        "channel_id": str(channel_id),
        "line_user_hash": user_hash,
        "at": _iso(at),
        "fiscal_year": fiscal_year_of(at),
    }
    if type_ == "line.followed":
        data["refollow"] = refollow
    if type_ == "line.message_received":
        data |= {
            "conversation_id": str(uuid.uuid5(channel_id, user_hash)),
            "message_type": "text",
            "out_of_hours": False,
        }
    return _event(
        type_,
        "line",
        tenant,
        uuid.uuid5(channel_id, user_hash),
        data,
        occurred_at=at,
        consortium_id=consortium_id,
    )


@dataclass
class Referral:
    sender: Tenant
    receiver: Tenant
    person: Person
    referral_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def event(self, status: str, at: datetime, **extra: Any) -> Event:
        actor = self.sender if status in ("sent", "withdrawn") else self.receiver
        data: dict[str, Any] = {
            "referral_id": str(self.referral_id),
            "from_org_id": str(self.sender.org_id),
            "to_org_id": str(self.receiver.org_id),
            "status": status,
            "at": _iso(at),
            "fiscal_year": fiscal_year_of(at),
        }
        if status == "sent":
            data |= {
                "case_id": str(self.person.case_id),
                "categories": ["identity", "history"],
                "basis": "consent",
                "consent_id": str(uuid.uuid4()),
                "urgency": "normal",
                "respond_by": (at + timedelta(days=14)).date().isoformat(),
            }
        elif status == "accepted":
            data |= {
                "person_key": str(self.person.person_key),
                "packet": {
                    "categories": [],
                    "anonymous": True,
                    "person": {"age_band": "40s", "gender": "unknown"},
                },
            }
        elif status in ("declined", "withdrawn"):
            data["reason_code"] = "other"
        elif status == "completed":
            data["outcome"] = "got_help"
        data |= extra
        return _event(
            f"referral.{status}",
            "referrals",
            actor,
            self.referral_id,
            data,
            occurred_at=at,
            consortium_id=self.sender.consortium_id,
        )
