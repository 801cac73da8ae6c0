"""Who may consent, the support-meeting basis and complete provision records (APPI arts.
27, 29, 30): what is allowed goes out with both records carrying every item the law asks."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from common.clock import jst_date, utcnow
from services.referrals.models import Referral
from tests.service.referrals.world import World, address_of, representative_of

SENDER_ITEMS = {"date", "at", "counterparty", "person", "data_items", "categories", "basis"}
RECEIVER_ITEMS = SENDER_ITEMS | {"obtained_how"}


def ledger(world: World, member: Any) -> list[dict[str, Any]]:
    answer = world.client.get("/reports/provision-ledger", headers=member.headers("org_admin"))
    assert answer.status_code == 200, answer.json
    items: list[dict[str, Any]] = answer.json["items"]
    return items


def csv_rows(world: World, member: Any) -> list[dict[str, str]]:
    answer = world.client.get(
        "/reports/provision-ledger?format=csv", headers=member.headers("org_admin")
    )
    return list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))


def test_both_records_carry_every_item_of_articles_29_and_30(world: World) -> None:
    case_id, consent_id = world.case_with_consent(["identity", "history"])
    referral = world.sent(case_id=str(case_id), consent_id=str(consent_id))
    assert referral["consent_given_by"] == "self"
    [provided] = ledger(world, world.sender)
    assert provided.keys() >= SENDER_ITEMS
    assert provided["direction"] == "provided"
    assert provided["date"] == jst_date(utcnow()).isoformat()
    assert provided["counterparty"] == {
        "id": str(world.receiver.org_id),
        "name": "やまなし若者サポートステーション",
        "address": address_of(world.receiver),
        "representative": representative_of(world.receiver),
    }
    assert provided["person"] == {"case_id": str(case_id), "person_key": provided["person_key"]}
    assert provided["categories"] == ["attributes", "identity", "history"]
    assert (provided["basis"], provided["consent_given_by"]) == ("consent", "self")
    [received] = ledger(world, world.receiver)
    assert received.keys() >= RECEIVER_ITEMS
    assert received["counterparty"]["name"] == "NPO法人 ひだまり"
    assert received["counterparty"]["address"] == address_of(world.sender)
    assert received["counterparty"]["representative"] == representative_of(world.sender)
    assert received["obtained_how"] == "consultation"
    assert received["person"] == {"person_key": provided["person_key"]}
    assert received["categories"] == provided["categories"]
    [row] = csv_rows(world, world.receiver)
    assert row["相手方の住所"] == address_of(world.sender)
    assert row["相手方の代表者"] == representative_of(world.sender)
    assert row["提供元の取得の経緯"] == "本人・家族からの相談の過程で取得"


def test_a_legal_representatives_consent_is_recorded_as_such_never_as_the_persons(
    world: World,
) -> None:
    case_id, consent_id = world.case_with_consent(
        ["identity"], given_by="legal_representative", representative_basis="guardianship"
    )
    referral = world.sent(case_id=str(case_id), consent_id=str(consent_id), categories=["identity"])
    assert referral["consent_given_by"] == "legal_representative"
    assert referral["representative_basis"] == "guardianship"
    for member in (world.sender, world.receiver):
        [record] = ledger(world, member)
        assert record["consent_given_by"] == "legal_representative"
        assert record["representative_basis"] == "guardianship"
        [row] = csv_rows(world, member)
        assert row["提供の根拠"] == "法定代理人の同意（成年後見人）"


def test_a_support_meeting_lets_its_members_share_and_both_ledgers_show_its_record(
    world: World,
) -> None:
    case_id = world.cases.add_case(world.sender.org_id)
    held_on = jst_date(utcnow()).isoformat()
    meeting = {
        "law": "seikatsu_konkyu_9",
        "constituted_by": "甲府市 生活福祉課",
        "held_on": held_on,
        "member_org_ids": [
            str(world.sender.org_id),
            str(world.receiver.org_id),
            str(world.center.org_id),
        ],
        "purpose": "就労準備支援の役割分担",
    }
    referral = world.sent(
        case_id=str(case_id),
        support_meeting=meeting,
        categories=["identity", "history", "sensitive"],
    )
    assert referral["basis"] == "support_meeting"
    stored = referral["support_meeting"]
    assert stored["constituted_by"] == "甲府市 生活福祉課"
    assert stored["held_on"] == held_on
    assert [m["name"] for m in stored["members"]] == [
        "NPO法人 ひだまり",
        "やまなし若者サポートステーション",
        "山梨県ひきこもり地域支援センター",
    ]
    assert world.cases.calls[-1][1].consent_id is None
    for member in (world.sender, world.receiver):
        [record] = ledger(world, member)
        assert record["basis"] == "support_meeting"
        assert record["support_meeting"] == stored
        assert record["consent_given_by"] is None
        [row] = csv_rows(world, member)
        assert row["提供の根拠"] == "支援会議での情報共有（法令に基づく場合）"
        assert "甲府市 生活福祉課" in row["支援会議（根拠法・設置者・開催日・構成員）"]
        assert "生活困窮者自立支援法第9条" in row["支援会議（根拠法・設置者・開催日・構成員）"]


def test_the_ledger_answers_for_one_person_by_person_key(world: World) -> None:
    first = world.sent()
    world.sent()
    with world.sessions() as session:
        person_key = session.get(Referral, uuid.UUID(first["id"])).person_key  # type: ignore[union-attr]
    answer = world.client.get(
        f"/reports/provision-ledger?person_key={person_key}",
        headers=world.receiver.headers("org_admin"),
    ).json["items"]
    assert [r["referral_id"] for r in answer] == [first["id"]]
