"""Factories for the cases service tests: members with principals in every role, a small
API client, and ways to count what the database holds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from common.clock import utcnow
from common.principal import Principal
from common.testing.principals import Tenant, auth_header, make_principal
from services.cases.models import AuditEntry, Base, OrgDirectoryEntry, OutboxEvent


@dataclass
class Member:
    tenant: Tenant
    staff: Principal
    admin: Principal
    volunteer: Principal
    viewer: Principal
    extra: dict[str, Principal] = field(default_factory=dict)

    @property
    def org_id(self) -> uuid.UUID:
        return self.tenant.org_id

    @property
    def consortium_id(self) -> uuid.UUID:
        return self.tenant.consortium_id


def make_member(
    sessions: sessionmaker[Session], kind: str = "npo", consortium_id: uuid.UUID | None = None
) -> Member:
    tenant = Tenant.new(kind, consortium_id)
    with sessions() as session:
        session.add(
            OrgDirectoryEntry(
                org_id=tenant.org_id,
                consortium_id=tenant.consortium_id,
                name=f"member {tenant.org_id.hex[:6]}",
                kind=kind,
                sector="private",
                status="active",
                as_of=utcnow(),
            )
        )
        session.commit()
    return Member(
        tenant=tenant,
        staff=make_principal(tenant, role="staff", name="相談員 一郎"),
        admin=make_principal(tenant, role="org_admin", name="管理者 花子"),
        volunteer=make_principal(tenant, role="volunteer", name="ボランティア 次郎"),
        viewer=make_principal(tenant, role="viewer", name="閲覧 三郎"),
    )


@dataclass
class FakeProvisions:
    """A stand-in for the referrals service's ledger: records per person key, and the
    principal token each question came with."""

    records: dict[uuid.UUID, list[dict[str, Any]]] = field(default_factory=dict)
    asked: list[tuple[str, uuid.UUID]] = field(default_factory=list)

    def for_person(self, token: str, person_key: uuid.UUID) -> list[dict[str, Any]]:
        self.asked.append((token, person_key))
        return list(self.records.get(person_key, []))


class Api:
    """``api.as_(principal).post("/cases", json=...)``"""

    def __init__(self, client: FlaskClient, principal: Principal | None = None) -> None:
        self.client = client
        self.principal = principal

    def as_(self, principal: Principal) -> Api:
        return Api(self.client, principal)

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return (auth_header(self.principal) if self.principal else {}) | (extra or {})

    def get(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> TestResponse:
        return self.client.get(path, headers=self._headers(headers), **kwargs)

    def post(
        self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> TestResponse:
        return self.client.post(path, json=json, headers=self._headers(headers), **kwargs)

    def patch(
        self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> TestResponse:
        return self.client.patch(path, json=json, headers=self._headers(headers), **kwargs)

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> TestResponse:
        return self.client.open(path, method=method, headers=self._headers(headers), **kwargs)

    def open_case(self, **person: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"person": {"display_name": "山田 太郎"} | person}
        first = body["person"].pop("first_contact", None)
        if first is not None:
            body["first_contact"] = first
        response = self.post("/cases", json=body)
        assert response.status_code == 201, response.json
        return dict(response.json or {})


def table_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            table.name: session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def audit_count(sessions: sessionmaker[Session], org_id: uuid.UUID, **where: Any) -> int:
    with sessions() as session:
        stmt = sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.org_id == org_id)
        for name, value in where.items():
            stmt = stmt.where(getattr(AuditEntry, name) == value)
        return session.scalar(stmt) or 0


def outbox(sessions: sessionmaker[Session], kind: str | None = None) -> list[dict[str, Any]]:
    import json

    with sessions() as session:
        stmt = sa.select(OutboxEvent).order_by(OutboxEvent.seq)
        if kind:
            stmt = stmt.where(OutboxEvent.type == kind)
        return [json.loads(row.body) for row in session.scalars(stmt)]


def contact(**overrides: Any) -> dict[str, Any]:
    return {
        "channel": "phone",
        "by": "family",
        "relationship": "mother",
        "occurred_at": "2021-05-10T14:00:00+09:00",
        "minutes": 30,
        "summary": "母より。息子が10年自室から出ない。",
    } | overrides
