"""A stand-in for the cases service: cases, consents and the packet answer of
docs/events.md, authorized with the sender's own principal token as the real one would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from common.clock import utcnow
from common.principal import PrincipalVerifier
from common.testing.principals import test_keypair
from services.referrals.cases_client import CaseNotFound, PacketAnswer, PacketRequest, parse_consent


def full_packet(name: str = "山田 太郎") -> dict[str, Any]:
    return {
        "person": {
            "age_band": "40s",
            "gender": "male",
            "display_name": name,
            "kana": "ヤマダ タロウ",
            "birth_year": 1982,
            "municipality": "甲府市",
        },
        "contact": {"phone": "090-1234-5678", "email": None, "address": "甲府市丸の内"},
        "history": {"contacts": [{"channel": "line", "by": "family", "summary": "母から相談"}]},
        "support_record": {"stage": "preparation", "activities": [], "outcomes": []},
        "sensitive": {
            "notes": [{"category": "illness", "body": "通院中", "recorded_at": "2026-01-01"}]
        },
    }


@dataclass
class FakeCase:
    id: uuid.UUID
    org_id: uuid.UUID
    person_key: uuid.UUID
    packet: dict[str, Any]


@dataclass
class FakeCases:
    cases: dict[uuid.UUID, FakeCase] = field(default_factory=dict)
    consents: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[uuid.UUID | None, PacketRequest]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.verifier = PrincipalVerifier(test_keypair()[1])

    def add_case(self, org_id: uuid.UUID, packet: dict[str, Any] | None = None) -> uuid.UUID:
        case = FakeCase(uuid.uuid4(), org_id, uuid.uuid4(), packet or full_packet())
        self.cases[case.id] = case
        return case.id

    def add_consent(
        self,
        case_id: uuid.UUID,
        to_org_ids: list[uuid.UUID],
        categories: list[str],
        *,
        expires_at: datetime | None = None,
        withdrawn_at: datetime | None = None,
        active: bool | None = None,
        given_by: str = "self",
        representative_basis: str | None = None,
    ) -> uuid.UUID:
        consent_id = uuid.uuid4()
        now = utcnow()
        expires_at = expires_at or now + timedelta(days=180)
        if active is None:
            active = withdrawn_at is None and expires_at > now
        self.consents[consent_id] = {
            "id": str(consent_id),
            "case_id": str(case_id),
            "to_org_ids": [str(o) for o in to_org_ids],
            "categories": categories,
            "obtained_at": (now - timedelta(days=1)).isoformat(),
            "expires_at": expires_at.isoformat(),
            "withdrawn_at": withdrawn_at.isoformat() if withdrawn_at else None,
            "active": active,
            "given_by": given_by,
            "representative_basis": representative_basis,
        }
        return consent_id

    def fetch(self, token: str, request: PacketRequest) -> PacketAnswer:
        principal = self.verifier.verify(token)
        self.calls.append((principal.org_id, request))
        case = self.cases.get(request.case_id)
        if case is None or case.org_id != principal.org_id:
            raise CaseNotFound(str(request.case_id))
        consent = None
        if request.consent_id is not None:
            raw = self.consents.get(request.consent_id)
            if raw is not None and raw["case_id"] == str(case.id):
                consent = parse_consent(raw)
        packet = {k: v for k, v in case.packet.items() if k in request.categories}
        packet["person"] = case.packet["person"]  # the referrals service filters it again
        packet["categories"] = list(request.categories)
        return PacketAnswer(case.id, case.person_key, packet, consent)
