"""The referral pages of the web UI, through the real gateway and referrals apps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from services.referrals.domain.states import Status
from tests.service.referrals.drive import drive, set_policy
from tests.service.referrals.ui_support import Ui, build_ui
from tests.service.referrals.world import World, address_of, representative_of


@pytest.fixture
def ui(world: World, app: Flask, tmp_path: Path) -> Ui:
    return build_ui(world, app, tmp_path)


def text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_the_refer_flow_previews_the_exact_packet_then_sends(ui: Ui, world: World) -> None:
    case_id, consent_id = world.case_with_consent(["identity", "history"])
    sender = ui.browser(world.sender)
    page = sender.get(f"/referrals/new?case_id={case_id}")
    assert page.status_code == 200, text(page)
    assert world.receiver.name in text(page)
    assert world.sender.name not in re.sub(r"<header.*?</header>", "", text(page), flags=re.S)
    form = {
        "case_id": str(case_id),
        "to_org_id": str(world.receiver.org_id),
        "categories": ["identity", "history"],
        "basis": "consent",
        "consent_id": str(consent_id),
        "reason": "グループプログラムへの参加希望",
        "urgency": "normal",
        "obtained_via": "consultation",
    }
    preview = sender.post("/referrals/new", form | {"action": "preview"})
    assert preview.status_code == 200, text(preview)
    assert 'id="preview"' in text(preview)
    assert "山田 太郎" in text(preview)
    assert "090-1234-5678" not in text(preview)  # contact was not chosen
    assert world.count("referrals") == 0
    sent = sender.post("/referrals/new", form | {"action": "send"})
    assert sent.status_code == 302
    assert world.count("referrals") == 1


def test_a_refused_referral_shows_why_next_to_the_field(ui: Ui, world: World) -> None:
    case_id, consent_id = world.case_with_consent(["identity"])
    sender = ui.browser(world.sender)
    response = sender.post(
        "/referrals/new",
        {
            "case_id": str(case_id),
            "to_org_id": str(world.receiver.org_id),
            "categories": ["identity", "contact"],
            "basis": "consent",
            "consent_id": str(consent_id),
            "reason": "x",
            "action": "send",
        },
    )
    assert response.status_code == 422
    assert 'id="f-categories-error"' in text(response)
    assert 'class="error-summary"' in text(response)
    assert world.count("referrals") == 0


def test_the_receiver_sees_it_in_the_incoming_box_and_accepts_it(ui: Ui, world: World) -> None:
    referral_id = world.sent()["id"]
    receiver = ui.browser(world.receiver)
    box = receiver.get("/referrals/?box=incoming")
    assert box.status_code == 200
    assert referral_id in text(box)
    assert 'class="count"' in text(box)
    page = receiver.get(f"/referrals/{referral_id}")
    assert 'id="accept"' in text(page)
    asked = receiver.post(f"/referrals/{referral_id}/act", {"action": "accept"})
    assert asked.status_code == 200  # a confirmation first: nothing happens yet
    assert 'id="confirm-yes"' in text(asked)
    assert world.count("referrals") == 1
    accepted = receiver.post(
        f"/referrals/{referral_id}/act", {"action": "accept", "confirmed": "yes"}
    )
    assert accepted.status_code == 302
    sender = ui.browser(world.sender)
    seen = sender.get(f"/referrals/{referral_id}")
    assert "status-accepted" in text(seen)
    assert "linked-case" not in text(seen)


def test_a_conflict_is_explained_not_an_error_page(ui: Ui, world: World) -> None:
    referral_id = drive(world, Status.WITHDRAWN)
    receiver = ui.browser(world.receiver)
    response = receiver.post(
        f"/referrals/{referral_id}/act",
        {"action": "accept", "confirmed": "yes"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert 'class="flash error"' in text(response)


def test_a_third_org_gets_the_not_found_page(ui: Ui, world: World) -> None:
    referral_id = world.sent()["id"]
    assert ui.browser(world.third).get(f"/referrals/{referral_id}").status_code == 404


def test_messages_and_notices_travel_between_the_two_orgs(ui: Ui, world: World) -> None:
    referral_id = world.sent()["id"]
    sender = ui.browser(world.sender)
    sender.post(f"/referrals/{referral_id}/messages", {"body": "面談は火曜でいかがでしょう"})
    receiver = ui.browser(world.receiver)
    notices = receiver.get("/referrals/notifications")
    assert notices.status_code == 200
    assert text(notices).count('class="unread"') == 2
    page = receiver.get(f"/referrals/{referral_id}")
    assert "面談は火曜でいかがでしょう" in text(page)
    cleared = receiver.post("/referrals/notifications/read-all", follow_redirects=True)
    assert 'class="unread"' not in text(cleared)


def test_the_center_confirms_a_decline_from_the_oversight_page(ui: Ui, world: World) -> None:
    set_policy(world, decline_requires_center_confirmation=True)
    referral_id = drive(world, Status.DECLINE_REQUESTED)
    center = ui.browser(world.center)
    page = center.get("/referrals/oversight?filter=decline_requested")
    assert page.status_code == 200
    assert "定員に達しているため" in text(page)
    assert "山田" not in text(page)
    asked = center.post(f"/referrals/{referral_id}/act", {"action": "confirm", "back": "oversight"})
    assert asked.status_code == 200
    assert "定員に達しているため" in text(asked)
    done = center.post(
        f"/referrals/{referral_id}/act",
        {"action": "confirm", "back": "oversight", "confirmed": "yes"},
    )
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/referrals/oversight")
    seen = ui.browser(world.sender).get(f"/referrals/{referral_id}")
    assert "status-declined" in text(seen)


def test_the_ledger_page_lists_and_exports(ui: Ui, world: World) -> None:
    world.sent()
    admin = ui.browser(world.sender, "org_admin")
    page = admin.get("/referrals/ledger")
    assert page.status_code == 200
    assert world.receiver.name in text(page)
    exported = admin.get("/referrals/ledger/export.csv")
    assert exported.status_code == 200
    assert exported.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in exported.headers["Content-Disposition"]
    xlsx = admin.get("/referrals/ledger/export.xlsx")
    assert xlsx.data[:2] == b"PK"


def test_the_policy_is_read_by_members_and_edited_by_the_consortium_admin(
    ui: Ui, world: World
) -> None:
    member = ui.browser(world.sender)
    assert 'name="unanswered_days"' not in text(member.get("/referrals/policy"))
    admin = ui.browser(world.center, "consortium_admin")
    saved = admin.post(
        "/referrals/policy",
        {
            "decline_requires_center_confirmation": "on",
            "unanswered_days": "5",
            "urgent_unanswered_days": "1",
            "default_respond_days": "10",
            "urgent_respond_days": "2",
        },
    )
    assert saved.status_code == 302
    assert (
        world.client.get("/referral-policy", headers=world.sender.headers()).json["unanswered_days"]
        == 5
    )
    bad = admin.post("/referrals/policy", {"unanswered_days": "0"})
    assert bad.status_code == 422


def test_a_form_without_the_csrf_token_is_refused(ui: Ui, world: World) -> None:
    referral_id = world.sent()["id"]
    receiver = ui.browser(world.receiver)
    response = receiver.client.post(f"/referrals/{referral_id}/act", data={"action": "accept"})
    assert response.status_code == 400
    assert (
        world.client.get(f"/referrals/{referral_id}", headers=world.sender.headers()).json["status"]
        == "sent"
    )


def test_the_home_page_shows_the_referral_cards(ui: Ui, world: World) -> None:
    world.sent()
    home = ui.browser(world.receiver).get("/")
    assert home.status_code == 200
    assert "/referrals/?box=incoming" in text(home)


def test_without_a_case_the_refer_flow_starts_by_choosing_one(ui: Ui, world: World) -> None:
    case_id, _ = world.case_with_consent()
    world.cases.add_case(world.third.org_id)
    page = ui.browser(world.sender).get("/referrals/new")
    assert page.status_code == 200
    assert f"/referrals/new?case_id={case_id}" in text(page)
    assert text(page).count("/referrals/new?case_id=") == 1  # only my org's cases


def test_a_family_members_consent_is_not_offered_and_a_support_meeting_can_be_the_basis(
    ui: Ui, world: World
) -> None:
    case_id, family_consent = world.case_with_consent(["identity"], given_by="family")
    sender = ui.browser(world.sender)
    page = text(sender.get(f"/referrals/new?case_id={case_id}"))
    assert str(family_consent) not in page
    assert "家族の同意は家族自身の情報にしか及びません" in page
    assert "支援会議（双方が構成員）" in page
    form = {
        "case_id": str(case_id),
        "to_org_id": str(world.receiver.org_id),
        "categories": ["identity"],
        "basis": "support_meeting",
        "support_meeting_law": "shakai_fukushi_106_6",
        "support_meeting_constituted_by": "甲府市 福祉総室",
        "support_meeting_held_on": "2099-01-01",
        "support_meeting_member_org_ids": [str(world.sender.org_id), str(world.third.org_id)],
        "reason": "重層的支援体制の会議で役割分担を決めた",
        "urgency": "normal",
        "obtained_via": "consultation",
        "action": "send",
    }
    refused = sender.post("/referrals/new", form)
    assert refused.status_code == 422
    assert "まだ開催されていない会議です。" in text(refused)
    assert "自団体と紹介先の両方が支援会議の構成員である必要があります。" in text(refused)
    assert "甲府市 福祉総室" in text(refused)  # what was typed stays
    assert world.count("referrals") == 0
    form["support_meeting_held_on"] = "2026-01-15"
    form["support_meeting_member_org_ids"] = [str(world.sender.org_id), str(world.receiver.org_id)]
    sent = sender.post("/referrals/new", form)
    assert sent.status_code == 302, text(sent)
    ledger = text(sender.get("/referrals/ledger"))
    assert "社会福祉法第106条の6" in ledger
    assert "甲府市 福祉総室" in ledger
    assert address_of(world.receiver) in ledger
    assert representative_of(world.receiver) in ledger


def test_the_ledger_names_a_legal_representatives_consent_as_such(ui: Ui, world: World) -> None:
    case_id, consent_id = world.case_with_consent(
        ["identity"], given_by="legal_representative", representative_basis="minor"
    )
    world.sent(case_id=str(case_id), consent_id=str(consent_id), categories=["identity"])
    ledger = text(ui.browser(world.receiver).get("/referrals/ledger"))
    assert "法定代理人の同意 (未成年者の親権者)" in ledger
    assert "本人の同意" not in ledger
