"""The local directory of organizations that cases, referrals and reports each keep,
built from ``org.*`` events, so that no request needs to ask the auth service.

A service declares ``class OrgDirectoryEntry(OrgDirectoryMixin, Base): pass`` (or, when it
writes APPI provision records, with :class:`OrgRecordKeepingMixin` too), wires
:func:`apply_org_event` to the ``org.*`` event types, and passes :func:`org_gate` to
``create_service_app`` so a suspended organization's principals are refused at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from common.messaging.envelope import Event

ORG_EVENT_TYPES = ("org.registered", "org.updated", "org.suspended", "org.reinstated")


class OrgDirectoryMixin:
    __tablename__ = "org_directory"

    org_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), primary_key=True)
    consortium_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(40))
    sector: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20))
    as_of: Mapped[datetime]
    """``occurred_at`` of the newest event applied: older events arriving late are ignored."""


class OrgRecordKeepingMixin:
    """The org's address and representative (所在地・代表者), which a provision record
    names (APPI arts. 29/30); null until the org's admin enters them."""

    address: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    representative: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)


def apply_org_event(session: Session, model: type[OrgDirectoryMixin], event: Event) -> None:
    """Upsert the org from any ``org.*`` event; order-safe and idempotent."""
    data = event.data
    org_id = uuid.UUID(str(data["org_id"]))
    row = session.get(model, org_id)
    if row is not None and row.as_of > event.occurred_at:
        return
    values: dict[str, Any] = {
        "consortium_id": uuid.UUID(str(data["consortium_id"])),
        "name": str(data["name"]),
        "kind": str(data["kind"]),
        "sector": str(data["sector"]),
        "status": str(data["status"]),
        "as_of": event.occurred_at,
    }
    if issubclass(model, OrgRecordKeepingMixin):
        values["address"] = (data.get("address") or None) and str(data["address"])
        values["representative"] = (data.get("representative") or None) and str(
            data["representative"]
        )
    if row is None:
        session.add(cast(Any, model)(org_id=org_id, **values))
    else:
        for key, value in values.items():
            setattr(row, key, value)


def org_handlers(
    model: type[OrgDirectoryMixin],
) -> dict[str, Callable[[Session, Event], None]]:
    """Consumer handlers for every ``org.*`` type."""

    def handle(session: Session, event: Event) -> None:
        apply_org_event(session, model, event)

    return dict.fromkeys(ORG_EVENT_TYPES, handle)


def org_gate(model: type[OrgDirectoryMixin]) -> Callable[[Session, uuid.UUID], bool]:
    """False for an org the directory knows to be suspended. An org not heard of yet
    (its ``org.registered`` still in flight) is let through: auth signed its token."""

    # Built once: every request asks it (see common/db.py on per-request cost).
    query = sa.select(model.status).where(model.org_id == sa.bindparam("org_id", type_=sa.Uuid()))

    def gate(session: Session, org_id: uuid.UUID) -> bool:
        return session.scalar(query, {"org_id": org_id}) != "suspended"

    return gate
