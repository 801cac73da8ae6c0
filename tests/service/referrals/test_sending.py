from __future__ import annotations

import json
import uuid
from datetime import timedelta

import sqlalchemy as sa

from common.clock import jst_date, utcnow
from services.referrals.models import Notification, OutboxEvent, ProvisionRecord
from tests.service.referrals.world import World


def test_a_referral_with_a_covering_consent_is_sent_with_a_snapshot_of_the_chosen_fields(
    world: World,
) -> None:
    body = world.sent(categories=["identity", "history"], urgency="urgent")
    assert body["status"] == "sent"
    assert body["from_org"]["name"] == "NPO法人 ひだまり"
    assert body["to_org"]["id"] == str(world.receiver.org_id)
    assert body["urgency"] == "urgent"
    assert body["basis"] == "consent"
    packet = body["packet"]
    assert packet["categories"] == ["identity", "history"]
    assert packet["person"]["display_name"] == "山田 太郎"
    assert "contact" not in packet
    assert "sensitive" not in packet
    assert [h["status"] for h in body["history"]] == ["sent"]
    assert body["history"][0]["org_id"] == str(world.sender.org_id)


def test_the_packet_is_fetched_on_behalf_of_the_sender(world: World) -> None:
    world.sent()
    ((org_id, request),) = world.cases.calls
    assert org_id == world.sender.org_id
    assert request.to_org_id == world.receiver.org_id
    assert list(request.categories) == ["identity", "history"]


def test_sending_writes_both_provision_records_the_receivers_notice_and_the_sent_event(
    world: World,
) -> None:
    body = world.sent()
    with world.sessions() as session:
        records = session.scalars(
            sa.select(ProvisionRecord).where(ProvisionRecord.referral_id == uuid.UUID(body["id"]))
        ).all()
        by_direction = {r.direction: r for r in records}
        provided, received = by_direction["provided"], by_direction["received"]
        assert provided.org_id == world.sender.org_id
        assert provided.counterparty_name == "やまなし若者サポートステーション"
        assert provided.case_id is not None
        assert provided.consent_id is not None
        assert provided.data_items == ["attributes", "identity", "history"]
        assert received.org_id == world.receiver.org_id
        assert received.counterparty_name == "NPO法人 ひだまり"
        assert received.obtained_via == "consultation"
        assert received.case_id is None
        assert provided.retain_until >= jst_date(utcnow()) + timedelta(days=3 * 365)
        notices = session.scalars(sa.select(Notification)).all()
        assert [(n.org_id, n.kind, n.box) for n in notices] == [
            (world.receiver.org_id, "referral_received", "incoming")
        ]
        (event,) = session.scalars(sa.select(OutboxEvent)).all()
        envelope = json.loads(event.body)
        assert envelope["type"] == "referral.sent"
        assert envelope["org_id"] == str(world.sender.org_id)
        assert envelope["data"]["basis"] == "consent"
        assert "packet" not in envelope["data"]
        assert "山田" not in event.body


def test_sensitive_data_is_sent_where_the_consent_names_it_and_hidden_from_volunteers(
    world: World,
) -> None:
    case_id, consent_id = world.case_with_consent(["identity", "sensitive"])
    body = world.sent(
        case_id=str(case_id), consent_id=str(consent_id), categories=["identity", "sensitive"]
    )
    assert body["packet"]["sensitive"]["notes"][0]["category"] == "illness"
    as_volunteer = world.client.get(
        f"/referrals/{body['id']}", headers=world.receiver.headers("volunteer")
    )
    assert as_volunteer.status_code == 200
    assert as_volunteer.json["packet"]["sensitive"] == {"redacted": True}


def test_an_anonymous_referral_needs_no_consent_and_carries_no_identifying_field(
    world: World,
) -> None:
    body = world.sent(anonymous=True, categories=[])
    assert body["basis"] == "anonymous"
    assert body["packet"] == {
        "categories": [],
        "anonymous": True,
        "person": {"age_band": "40s", "gender": "male"},
    }
    assert body["person"] == {"age_band": "40s", "gender": "male"}


def test_a_statutory_exception_is_stored_as_a_fact_with_its_reason(world: World) -> None:
    body = world.sent(
        exception={
            "code": "life_body_property",
            "reason": "本人に自傷の恐れがあり同意を得る時間がない",
        },
        categories=["identity", "contact"],
    )
    assert body["basis"] == "exception"
    assert body["exception"]["code"] == "life_body_property"
    assert body["packet"]["contact"]["phone"] == "090-1234-5678"
    ledger = world.client.get(
        "/reports/provision-ledger", headers=world.sender.headers("org_admin")
    ).json
    assert ledger["items"][0]["exception_reason"].startswith("本人に自傷")


def test_the_respond_by_date_defaults_from_the_consortium_policy(world: World) -> None:
    normal = world.sent()
    urgent = world.sent(urgency="urgent")
    today = jst_date(utcnow())
    assert normal["respond_by"] == (today + timedelta(days=14)).isoformat()
    assert urgent["respond_by"] == (today + timedelta(days=3)).isoformat()
    chosen = world.sent(respond_by=(today + timedelta(days=5)).isoformat())
    assert chosen["respond_by"] == (today + timedelta(days=5)).isoformat()


def test_the_sender_sees_its_case_and_consent_and_the_receiver_does_not(world: World) -> None:
    body = world.sent()
    assert body["case_id"]
    assert body["consent_id"]
    seen = world.client.get(f"/referrals/{body['id']}", headers=world.receiver.headers()).json
    assert "case_id" not in seen
    assert "consent_id" not in seen


def test_a_preview_shows_the_exact_packet_and_writes_no_referral(world: World) -> None:
    case_id, consent_id = world.case_with_consent()
    before = world.counts()
    audited_before = world.count("audit_log")
    preview = world.client.post(
        "/referrals/preview",
        json={
            "case_id": str(case_id),
            "to_org_id": str(world.receiver.org_id),
            "reason": "確認",
            "categories": ["identity"],
            "consent_id": str(consent_id),
        },
        headers=world.sender.headers(),
    )
    assert preview.status_code == 200, preview.json
    assert preview.json["packet"]["person"]["display_name"] == "山田 太郎"
    assert set(preview.json["packet"]) == {"categories", "anonymous", "person"}
    assert world.count("audit_log") == audited_before + 1
    assert world.counts() == before


def test_the_recipients_are_the_other_active_members_of_my_consortium(world: World) -> None:
    names = [
        o["name"]
        for o in world.client.get("/referrals/recipients", headers=world.sender.headers()).json[
            "items"
        ]
    ]
    assert set(names) == {
        "やまなし若者サポートステーション",
        "山梨県ひきこもり家族会",
        "山梨県ひきこもり地域支援センター",
    }


def test_a_viewer_may_not_send_a_referral(world: World) -> None:
    case_id, consent_id = world.case_with_consent()
    response = world.client.post(
        "/referrals",
        json={
            "case_id": str(case_id),
            "to_org_id": str(world.receiver.org_id),
            "reason": "x",
            "categories": ["identity"],
            "consent_id": str(consent_id),
        },
        headers=world.sender.headers("viewer"),
    )
    assert response.status_code == 403
    assert world.count("referrals") == 0
