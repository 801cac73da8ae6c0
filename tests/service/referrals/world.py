"""The referrals tests' world: one consortium (山梨県) with a sender, a receiver, a third
member, the prefectural center and a suspended member, plus a member of another consortium."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.clock import utcnow
from common.messaging.envelope import Event
from common.orgdirectory import apply_org_event
from common.principal import Principal
from common.testing.principals import Tenant, auth_header, make_principal
from services.referrals.models import AuditEntry, Base, OrgDirectoryEntry
from tests.service.referrals.fakes import FakeCases


@dataclass
class Member:
    tenant: Tenant
    name: str

    @property
    def org_id(self) -> uuid.UUID:
        return self.tenant.org_id

    def principal(self, role: str = "staff", name: str | None = None) -> Principal:
        return make_principal(self.tenant, role=role, name=name or f"{self.name}の職員")

    def headers(self, role: str = "staff") -> dict[str, str]:
        return auth_header(self.principal(role))


@dataclass
class World:
    """One consortium (山梨県) with a sender, a receiver, a third member, the prefectural
    center and a suspended member; and a member of another consortium."""

    consortium_id: uuid.UUID
    sender: Member
    receiver: Member
    third: Member
    center: Member
    suspended: Member
    outsider: Member
    cases: FakeCases
    client: FlaskClient
    sessions: sessionmaker[Session]

    def count(self, table: str) -> int:
        with self.sessions() as session:
            return int(session.scalar(sa.text(f"SELECT count(*) FROM {table}")))  # noqa: S608

    def counts(self) -> dict[str, int]:
        """Rows per table of state (the audit log, which records refusals too, aside)."""
        tables = Base.metadata.sorted_tables
        return {t.name: self.count(t.name) for t in tables if t.name != "audit_log"}

    def refusals_audited(self, org: Member) -> int:
        query = sa.select(sa.func.count()).where(
            AuditEntry.outcome == "denied", AuditEntry.org_id == org.org_id
        )
        with self.sessions() as session:
            return int(session.scalar(query) or 0)

    def case_with_consent(
        self, categories: list[str] | None = None, *, to: Member | None = None, **consent: Any
    ) -> tuple[uuid.UUID, uuid.UUID]:
        case_id = self.cases.add_case(self.sender.org_id)
        consent_id = self.cases.add_consent(
            case_id,
            [(to or self.receiver).org_id],
            categories or ["identity", "contact", "history"],
            **consent,
        )
        return case_id, consent_id

    def send(
        self, *, sender: Member | None = None, receiver: Member | None = None, **body: Any
    ) -> Any:
        """Send a consent-based referral and return the response."""
        sender = sender or self.sender
        receiver = receiver or self.receiver
        if "case_id" not in body:
            case_id = self.cases.add_case(sender.org_id)
            categories = body.get("categories", ["identity", "history"])
            body["case_id"] = str(case_id)
            if not body.get("anonymous") and "exception" not in body:
                body.setdefault(
                    "consent_id",
                    str(self.cases.add_consent(case_id, [receiver.org_id], categories)),
                )
        payload = {
            "to_org_id": str(receiver.org_id),
            "reason": "就労準備の集団プログラムへの参加を希望",
            "categories": ["identity", "history"],
        } | body
        return self.client.post("/referrals", json=payload, headers=sender.headers())

    def sent(self, **body: Any) -> dict[str, Any]:
        response = self.send(**body)
        assert response.status_code == 201, response.json
        result: dict[str, Any] = response.json
        return result


def address_of(member: Member) -> str:
    return f"山梨県甲府市丸の内一丁目（{member.name}）"


def representative_of(member: Member) -> str:
    return f"{member.name} 代表 山梨 花子"


def org_event(member: Member, kind: str, status: str = "active", *, on_file: bool = True) -> Event:
    """The org as auth announces it; ``on_file`` gives it an address and a representative."""
    return Event(
        type="org.registered",
        producer="auth",
        org_id=member.org_id,
        consortium_id=member.tenant.consortium_id,
        subject_id=member.org_id,
        occurred_at=utcnow(),
        data={
            "org_id": str(member.org_id),
            "consortium_id": str(member.tenant.consortium_id),
            "name": member.name,
            "kind": kind,
            "sector": "public" if kind == "prefectural_center" else "private",
            "status": status,
            "address": address_of(member) if on_file else None,
            "representative": representative_of(member) if on_file else None,
        },
    )


def build_world(client: FlaskClient, sessions: sessionmaker[Session], cases: FakeCases) -> World:
    consortium = uuid.uuid4()
    kinds = {
        "sender": ("npo", "NPO法人 ひだまり"),
        "receiver": ("support_station", "やまなし若者サポートステーション"),
        "third": ("family_association", "山梨県ひきこもり家族会"),
        "center": ("prefectural_center", "山梨県ひきこもり地域支援センター"),
        "suspended": ("npo", "休止中のNPO"),
    }
    members = {
        key: Member(Tenant.new(kind, consortium), name) for key, (kind, name) in kinds.items()
    }
    outsider = Member(Tenant.new("npo"), "鹿児島のNPO")
    with sessions() as session:
        for key, member in members.items():
            status = "suspended" if key == "suspended" else "active"
            apply_org_event(
                session, OrgDirectoryEntry, org_event(member, member.tenant.kind, status)
            )
        apply_org_event(session, OrgDirectoryEntry, org_event(outsider, "npo"))
        session.commit()
    return World(
        consortium, outsider=outsider, cases=cases, client=client, sessions=sessions, **members
    )
