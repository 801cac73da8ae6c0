"""What the services answer, shaped as they answer it, for the page tests."""

from __future__ import annotations

import uuid
from typing import Any

NOW = "2026-11-26T05:30:00+00:00"  # 14:30 JST


def new_id() -> str:
    return str(uuid.uuid4())


def case(org_id: str, **changes: Any) -> dict[str, Any]:
    case_id = changes.pop("id", new_id())
    base: dict[str, Any] = {
        "id": case_id,
        "org_id": org_id,
        "person_key": new_id(),
        "stage": "preparation",
        "assigned_to": None,
        "opened_at": NOW,
        "closed_at": None,
        "last_activity_at": NOW,
        "origin_referral_id": None,
        "external_ref": None,
        "person": {
            "display_name": "霧島 太郎",
            "kana": "きりしま たろう",
            "anonymous": False,
            "birth_year": 1981,
            "age_band": "40s",
            "gender": "male",
            "municipality": "霧島市",
            "phone": None,
            "email": None,
            "address": None,
        },
        "contacts": [],
        "activities": [],
        "outcomes": [],
        "consents": [],
        "close_reason": None,
        "close_reason_code": None,
        "family_only": False,
        "consent_ladder": {
            "rung": "family_named",
            "rungs": [
                {"rung": "family_anonymous", "reached": True},
                {"rung": "family_named", "reached": True},
                {"rung": "person_reached", "reached": False},
                {"rung": "person_consented", "reached": False},
            ],
        },
        "origin_packet": None,
        "can_read_sensitive": True,
    }
    return base | changes


def timeline(case_id: str) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "items": [
            {
                "kind": "stage",
                "at": NOW,
                "item": {
                    "id": new_id(),
                    "from_stage": "intake",
                    "to_stage": "preparation",
                    "kind": "advance",
                    "reason": "aptitude_test",
                    "changed_at": NOW,
                    "recorded_by": new_id(),
                },
            },
            {
                "kind": "activity",
                "at": NOW,
                "item": {
                    "id": new_id(),
                    "type": "aptitude_test",
                    "accompanied": True,
                    "place": "ハローワーク鹿児島",
                    "days": None,
                    "allowance_yen": None,
                    "checkpoint_months": None,
                    "retained": None,
                    "note": None,
                },
            },
            {
                "kind": "contact",
                "at": NOW,
                "item": {
                    "id": new_id(),
                    "channel": "home_visit",
                    "by": "family",
                    "relationship": "mother",
                    "minutes": 45,
                    "summary": "母から相談。",
                },
            },
        ],
        "next_cursor": None,
    }


def page(items: list[Any], next_cursor: str | None = None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}


def directory(*orgs: tuple[str, str]) -> dict[str, Any]:
    return page([{"id": i, "name": n, "kind": "npo"} for i, n in orgs])


def referral(from_org: str, to_org: str, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": new_id(),
        "status": "viewed",
        "role": "receiver",
        "urgency": "normal",
        "from_org": {"id": from_org, "name": "鹿児島家族会「つばさ」"},
        "to_org": {"id": to_org, "name": "かごしま地域若者サポートステーション"},
        "person": {"display_name": "新納 悠", "age_band": "30s", "gender": "other"},
        "reason": "就労の相談を希望しています。",
        "basis": "consent",
        "exception": None,
        "categories": ["identity", "history"],
        "sent_at": NOW,
        "respond_by": "2026-12-10",
        "overdue": False,
        "created_by": {"name": "上村 節子"},
        "packet": {
            "anonymous": False,
            "person": {"age_band": "30s", "gender": "other", "display_name": "新納 悠"},
            "history": {"contacts": [{"channel": "phone", "by": "self", "occurred_at": NOW}]},
        },
        "history": [{"status": "sent", "at": NOW, "actor_name": "上村 節子"}],
        "allowed_actions": ["accept", "decline"],
        "linked_case_id": None,
        "case_id": None,
        "outcome": None,
        "decline": None,
        "withdrawal": None,
        "unread": True,
    }
    return base | changes
