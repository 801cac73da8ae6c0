"""What a packet may carry (docs/events.md "The referral packet").

The cases service builds the packet; this service filters it again before it keeps the
snapshot, so that a packet never carries a category the basis does not cover, whatever
the other side sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from copy import deepcopy
from typing import Any

from services.referrals.domain.codes import Category

ALWAYS_PERSON_FIELDS = ("age_band", "gender")
"""They identify no one, so every packet has them, an anonymous one too."""
IDENTITY_PERSON_FIELDS = ("display_name", "kana", "birth_year", "municipality")
SECTION_OF = {
    Category.CONTACT: "contact",
    Category.HISTORY: "history",
    Category.SUPPORT_RECORD: "support_record",
    Category.SENSITIVE: "sensitive",
}


def shape_packet(
    raw: Mapping[str, Any], categories: Sequence[Category], *, anonymous: bool
) -> dict[str, Any]:
    """The snapshot to keep: only the chosen categories, and an anonymous packet bare."""
    person_in = raw.get("person") if isinstance(raw.get("person"), Mapping) else {}
    assert isinstance(person_in, Mapping)
    person: dict[str, Any] = {
        name: person_in.get(name) or "unknown" for name in ALWAYS_PERSON_FIELDS
    }
    if anonymous:
        return {"categories": [], "anonymous": True, "person": person}
    if Category.IDENTITY in categories:
        for name in IDENTITY_PERSON_FIELDS:
            if person_in.get(name) is not None:
                person[name] = deepcopy(person_in[name])
    packet: dict[str, Any] = {
        "categories": [c.value for c in categories],
        "anonymous": False,
        "person": person,
    }
    for category in categories:
        section = SECTION_OF.get(category)
        if section is not None and isinstance(raw.get(section), Mapping):
            packet[section] = deepcopy(dict(raw[section]))
    return packet


def for_reader(packet: Mapping[str, Any], *, may_read_sensitive: bool) -> dict[str, Any]:
    """The packet as one reader may see it: sensitive notes are never shown to a role
    without the sensitive-read permission, even inside an allowed packet."""
    shown = dict(packet)
    if "sensitive" in shown and not may_read_sensitive:
        shown["sensitive"] = {"redacted": True}
    return shown


def data_items(categories: Sequence[Category], *, anonymous: bool) -> list[str]:
    """The items of personal data provided, for the provision record (提供した個人データの項目)."""
    if anonymous:
        return ["attributes"]
    return ["attributes", *(c.value for c in categories)]
