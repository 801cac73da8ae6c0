"""The referral packet (docs/events.md "The referral packet"): only the categories
chosen — and consented — are present; an anonymous packet identifies no one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from services.cases.domain.vocab import AgeBand, Category

PERSON_IDENTITY_FIELDS = ("display_name", "kana", "birth_year", "municipality")
CONTACT_FIELDS = ("phone", "email", "address")


def age_band(birth_year: int | None, this_year: int) -> AgeBand:
    """The age band by calendar year (the birthday is not kept, so this may be a year
    early for part of the year — good enough for bands a decade wide)."""
    if birth_year is None:
        return AgeBand.UNKNOWN
    age = this_year - birth_year
    if age < 30:
        return AgeBand.UNDER_30
    if age < 40:
        return AgeBand.THIRTIES
    if age < 50:
        return AgeBand.FORTIES
    return AgeBand.FIFTY_PLUS


def ordered_categories(categories: Iterable[Category]) -> list[Category]:
    chosen = set(categories)
    return [c for c in Category if c in chosen]


def build_packet(
    *,
    categories: Iterable[Category],
    anonymous: bool,
    person: Mapping[str, Any],
    age_band: str,
    stage: str,
    contacts: Sequence[Mapping[str, Any]],
    activities: Sequence[Mapping[str, Any]],
    outcomes: Sequence[Mapping[str, Any]],
    sensitive_notes: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """Assemble the packet from plain values; nothing outside ``categories`` leaks in."""
    base_person = {"age_band": age_band, "gender": person.get("gender") or "unknown"}
    if anonymous:
        return {"categories": [], "anonymous": True, "person": base_person}
    chosen = ordered_categories(categories)
    packet: dict[str, Any] = {
        "categories": [c.value for c in chosen],
        "anonymous": False,
        "person": dict(base_person),
    }
    if Category.IDENTITY in chosen:
        packet["person"].update({k: person.get(k) for k in PERSON_IDENTITY_FIELDS})
    if Category.CONTACT in chosen:
        packet["contact"] = {k: person.get(k) for k in CONTACT_FIELDS}
    if Category.HISTORY in chosen:
        packet["history"] = {
            "contacts": [
                {
                    "channel": c["channel"],
                    "by": c["by"],
                    "relationship": c.get("relationship"),
                    "occurred_at": c["occurred_at"],
                    "minutes": c.get("minutes"),
                    "summary": c.get("summary"),
                }
                for c in contacts
            ]
        }
    if Category.SUPPORT_RECORD in chosen:
        packet["support_record"] = {
            "stage": stage,
            "activities": [
                {
                    k: a.get(k)
                    for k in (
                        "type",
                        "occurred_at",
                        "accompanied",
                        "place",
                        "days",
                        "allowance_yen",
                        "checkpoint_months",
                        "retained",
                    )
                }
                for a in activities
            ],
            "outcomes": [
                {k: o.get(k) for k in ("type", "path", "employer", "sector", "occurred_at")}
                for o in outcomes
            ],
        }
    if Category.SENSITIVE in chosen:
        packet["sensitive"] = {
            "notes": [
                {"category": n["category"], "body": n["body"], "recorded_at": n["recorded_at"]}
                for n in sensitive_notes
            ]
        }
    return packet


def split_sensitive(packet: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The packet without its sensitive section, and the sensitive notes it carried:
    the receiver keeps those as sensitive notes, out of sight of roles that may not
    read them."""
    rest = {k: v for k, v in packet.items() if k != "sensitive"}
    sensitive = packet.get("sensitive") or {}
    notes = sensitive.get("notes") if isinstance(sensitive, Mapping) else None
    return rest, [dict(n) for n in notes or [] if isinstance(n, Mapping)]
