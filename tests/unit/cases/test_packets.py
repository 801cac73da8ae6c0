from __future__ import annotations

from typing import Any

from services.cases.domain.packets import age_band, build_packet, split_sensitive
from services.cases.domain.vocab import Category

PERSON = {
    "display_name": "田中",
    "kana": "たなか",
    "birth_year": 1982,
    "municipality": "甲府市",
    "gender": "male",
    "phone": "055",
    "email": "t@example.jp",
    "address": "甲府市1",
}


def build(categories: list[Category], anonymous: bool = False) -> dict[str, Any]:
    return build_packet(
        categories=categories,
        anonymous=anonymous,
        person=PERSON,
        age_band="40s",
        stage="preparation",
        contacts=[
            {"channel": "line", "by": "family", "occurred_at": "2021-05-01", "summary": "相談"}
        ],
        activities=[{"type": "workplace_tour", "occurred_at": "2021-06-01", "accompanied": True}],
        outcomes=[{"type": "job_search_started", "occurred_at": "2021-07-01"}],
        sensitive_notes=[{"category": "illness", "body": "通院", "recorded_at": "2021-05-02"}],
    )


def test_age_bands_by_calendar_year() -> None:
    assert [age_band(y, 2021).value for y in (None, 1995, 1990, 1981, 1971)] == [
        "unknown",
        "under_30",
        "30s",
        "40s",
        "50_plus",
    ]


def test_only_the_chosen_categories_are_present() -> None:
    packet = build([Category.HISTORY, Category.IDENTITY])
    assert packet["categories"] == ["identity", "history"]
    assert packet["person"]["display_name"] == "田中"
    assert set(packet) == {"categories", "anonymous", "person", "history"}
    assert "phone" not in str(packet["person"])


def test_without_identity_the_person_is_an_age_band_and_a_gender() -> None:
    packet = build([Category.SUPPORT_RECORD])
    assert packet["person"] == {"age_band": "40s", "gender": "male"}
    assert packet["support_record"]["stage"] == "preparation"
    assert packet["support_record"]["activities"][0]["accompanied"] is True


def test_an_anonymous_packet_ignores_the_categories() -> None:
    packet = build(list(Category), anonymous=True)
    assert packet == {
        "categories": [],
        "anonymous": True,
        "person": {"age_band": "40s", "gender": "male"},
    }


def test_the_receiver_keeps_sensitive_notes_apart_from_the_packet() -> None:
    packet = build([Category.IDENTITY, Category.SENSITIVE])
    rest, notes = split_sensitive(packet)
    assert "sensitive" not in rest
    assert notes == [{"category": "illness", "body": "通院", "recorded_at": "2021-05-02"}]
