"""The LINE desk's pages, in process with a fake line service: the channel settings (desk
org admin, consortium admin), the queue and a conversation (desk staff), as each role sees
them, with a wrong input on every form, another org's ids as not found, and both languages.
The line service's answers are shaped as API.md ("LINE consultation desk") gives them."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from common.clock import utcnow
from tests.unit.gateway.pages import data
from tests.unit.gateway.pages.harness import (
    BARE_UUID,
    Browser,
    FakeService,
    FakeServices,
    html,
    problem,
    sign_in,
    visible_text,
)

JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
LINE_USER_ID = "U" + "a1" * 16  # what LINE calls the person; the API never gives it
BOT_USER_ID = "U" + "0f" * 16


@pytest.fixture
def line(services: FakeServices) -> FakeService:
    """The line service behind the gateway (its own process in the real stack)."""
    fake = services.by_name.get("line") or FakeService("line", services.log)
    services.by_name["line"] = fake
    return fake


def ago(**delta: float) -> str:
    return (utcnow() - timedelta(**delta)).isoformat()


def a_channel(org_id: str, **extra: Any) -> dict[str, Any]:
    channel_id = extra.pop("id", data.new_id())
    return {
        "id": channel_id,
        "org_id": org_id,
        "name": "やまなしLINE相談",
        "channel_id": "2001234567",
        "bot_user_id": BOT_USER_ID,
        "webhook_url": f"https://tsunagu.example.jp/line/webhook/{channel_id}",
        "hours": {"open": "16:00", "close": "21:00", "weekdays": [0, 1, 2, 3, 4, 5, 6]},
        "out_of_hours_message": None,
    } | extra


def a_conversation(**extra: Any) -> dict[str, Any]:
    return {
        "id": data.new_id(),
        "channel_id": data.new_id(),
        "status": "waiting",
        "risk": "none",
        "waiting_since": ago(minutes=5, seconds=10),
        "last_message_at": ago(minutes=5, seconds=10),
        "assigned_to": None,
        "unread": 1,
        "out_of_hours": False,
    } | extra


def with_messages(conversation: dict[str, Any], *messages: dict[str, Any]) -> dict[str, Any]:
    return conversation | {"summary": None, "closed_at": None, "messages": list(messages)}


def incoming(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": data.new_id(),
        "direction": "in",
        "type": "text",
        "text": text,
        "at": "2026-11-26T11:30:00+00:00",  # 20:30 JST
        "by": None,
    } | extra


def outgoing(text: str, by: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": data.new_id(),
        "direction": "out",
        "type": "text",
        "text": text,
        "at": "2026-11-26T11:32:00+00:00",  # 20:32 JST
        "by": by,
        "delivery": "sent",
    } | extra


def people(services: FakeServices, *named: tuple[str, str]) -> None:
    """The names the cases service knows for the org (what staff may read)."""
    services.cases.on(
        "GET",
        "/cases/assignees",
        data.page([{"id": i, "name": n, "role": "staff"} for i, n in named]),
    )


def asked(line: FakeService) -> list[dict[str, str]]:
    """The queue's questions to the service (the navigation's own check aside)."""
    return [c.query for c in line.calls("GET", "/line/conversations") if "status" in c.query]


def english(browser: Browser, path: str) -> Any:
    return browser.client.get(path, headers={"Accept-Language": "en"})


def account_page(services: FakeServices, browser: Browser) -> Any:
    """Any page shows the navigation; the account page asks only auth."""
    services.auth.on("GET", "/me", {"name": browser.principal.name, "email": "a@b.example"})
    services.auth.on("GET", "/tokens", data.page([]))
    response = browser.get("/account")
    assert response.status_code == 200
    return response


def no_japanese(text: str) -> list[str]:
    # The product's name and the language switch are in their own script on every page.
    return JAPANESE.findall(text.replace("つなぐ", "").replace("日本語", ""))


# --- the navigation --------------------------------------------------------------------


def test_the_desk_entry_shows_to_staff_of_an_org_whose_queue_has_conversations(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    line.on("GET", "/line/conversations", data.page([a_conversation()]))
    page = visible_text(account_page(services, staff))
    assert "LINE相談窓口" in page
    assert "LINEチャネル" not in page  # channels are the admins'


def test_the_desk_entry_is_hidden_from_staff_of_an_org_without_a_desk(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    line.on("GET", "/line/conversations", data.page([]))
    assert "LINE相談窓口" not in visible_text(account_page(services, staff))
    # Asked once, then remembered in the session rather than on every page.
    account_page(services, staff)
    assert len(line.calls("GET", "/line/conversations")) == 1


def test_admins_see_the_desk_and_the_channel_settings(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    admin = sign_in(app, services, role="org_admin")
    page = visible_text(account_page(services, admin))
    assert "LINE相談窓口" in page
    assert "LINEチャネル" in page


def test_pages_still_render_when_no_line_service_is_behind_the_gateway(
    app: Flask, services: FakeServices
) -> None:
    services.by_name.pop("line", None)
    staff = sign_in(app, services, role="staff")
    assert "LINE相談窓口" not in visible_text(account_page(services, staff))


# --- channel settings ----------------------------------------------------------------


def test_the_desk_admin_registers_a_channel_and_is_shown_its_webhook_url(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    admin = sign_in(app, services, role="org_admin")
    org = str(admin.principal.org_id)
    created = a_channel(org)
    line.on("POST", "/line/channels", created, status=201)
    line.on("GET", "/line/channels", data.page([created]))

    form = visible_text(admin.get("/line/channels/new"))
    assert "チャネルシークレット" in form
    assert "受付時間（日本時間）" in form
    answer = admin.post(
        "/line/channels/new",
        {
            "name": "やまなしLINE相談",
            "channel_id": "2001234567",
            "channel_secret": "s3cr3t-value-123",
            "channel_access_token": "token-value-1234567890",
            "bot_user_id": BOT_USER_ID,
            "hours_open": "16:00",
            "hours_close": "21:00",
            "weekdays": ["0", "1", "2", "3", "4"],
            "out_of_hours_message": "ただいま受付時間外です。",
        },
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/line/channels/{created['id']}")
    assert line.last("POST", "/line/channels").body == {
        "org_id": org,
        "name": "やまなしLINE相談",
        "channel_id": "2001234567",
        "channel_secret": "s3cr3t-value-123",
        "channel_access_token": "token-value-1234567890",
        "bot_user_id": BOT_USER_ID,
        "hours": {"open": "16:00", "close": "21:00", "weekdays": [0, 1, 2, 3, 4]},
        "out_of_hours_message": "ただいま受付時間外です。",
    }
    page = admin.get(f"/line/channels/{created['id']}")
    text = visible_text(page)
    assert created["webhook_url"] in text
    assert "LINE Developersコンソール" in text


def test_the_channel_list_never_shows_a_secret_and_names_no_bare_id(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    admin = sign_in(app, services, role="org_admin")
    channel = a_channel(
        str(admin.principal.org_id),
        hours={"open": "16:00", "close": "21:00", "weekdays": [0, 2, 4]},
    )
    line.on("GET", "/line/channels", data.page([channel]))
    page = admin.get("/line/channels")
    assert page.status_code == 200
    text = visible_text(page)
    assert "やまなしLINE相談" in text
    assert "16:00–21:00" in text
    assert "(月 水 金)" in text
    assert "s3cr3t" not in html(page)
    # The webhook URL carries the channel's id (LINE needs it); nothing else shows an id.
    assert BARE_UUID.findall(text.replace(channel["webhook_url"], "")) == []


def test_a_wrong_registration_keeps_what_was_typed_and_sends_nothing(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    admin = sign_in(app, services, role="org_admin")
    answer = admin.post(
        "/line/channels/new",
        {
            "name": "やまなしLINE相談",
            "channel_id": "2001234567",
            "channel_secret": "",
            "channel_access_token": "token-value-1234567890",
            "bot_user_id": BOT_USER_ID,
            "hours_open": "25:00",
            "hours_close": "21:00",
            "out_of_hours_message": "時間外です",
        },
    )
    assert answer.status_code == 422
    text = visible_text(answer)
    assert "入力内容を確認してください。" in text
    assert "チャネルシークレット: 必須項目です。" in text
    assert "16:00 のように時刻を入力してください。" in text
    assert "曜日を1つ以上選んでください。" in text
    page = html(answer)
    assert 'value="やまなしLINE相談"' in page
    assert 'value="2001234567"' in page
    assert 'value="25:00"' in page
    assert "時間外です</textarea>" in page
    assert "token-value-1234567890" not in page  # secrets are typed again, never echoed
    assert services.writes() == []


def test_the_services_refusal_of_a_channel_is_shown_in_japanese_beside_its_field(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    admin = sign_in(app, services, role="org_admin")
    line.on(
        "POST",
        "/line/channels",
        problem(
            422, "validation_failed", [{"field": "bot_user_id", "code": "string_pattern_mismatch"}]
        ),
    )
    answer = admin.post(
        "/line/channels/new",
        {
            "name": "やまなし",
            "channel_id": "2001234567",
            "channel_secret": "s3cr3t-value-123",
            "channel_access_token": "token-value-1234567890",
            "bot_user_id": "not-a-bot",
            "hours_open": "16:00",
            "hours_close": "21:00",
            "weekdays": ["0"],
        },
    )
    assert answer.status_code == 422
    text = visible_text(answer)
    assert "ボットのユーザーID: 形式を確認してください" in text
    assert "English text the UI must not show" not in text
    assert 'value="not-a-bot"' in html(answer)

    line.on("POST", "/line/channels", problem(409, "channel_registered"))
    again = admin.post(
        "/line/channels/new",
        {
            "name": "やまなし",
            "channel_id": "2001234567",
            "channel_secret": "s3cr3t-value-123",
            "channel_access_token": "token-value-1234567890",
            "bot_user_id": BOT_USER_ID,
            "hours_open": "16:00",
            "hours_close": "21:00",
            "weekdays": ["0"],
        },
    )
    assert again.status_code == 422
    assert "このLINEチャネルはすでに登録されています。" in visible_text(again)


def test_a_consortium_admin_chooses_the_desk_org_from_the_consortium(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    center = sign_in(app, services, role="consortium_admin", kind="prefectural_center")
    desk = data.new_id()
    services.auth.on("GET", "/directory", data.directory((desk, "やまなし家族会LINE窓口")))
    line.on("GET", "/line/channels", data.page([a_channel(desk)]))
    listing = visible_text(center.get("/line/channels"))
    assert "やまなし家族会LINE窓口" in listing

    form = visible_text(center.get("/line/channels/new"))
    assert "窓口の団体" in form
    assert "やまなし家族会LINE窓口" in form
    refused = center.post(
        "/line/channels/new",
        {
            "name": "やまなし",
            "channel_id": "2001234567",
            "channel_secret": "s3cr3t-value-123",
            "channel_access_token": "token-value-1234567890",
            "bot_user_id": BOT_USER_ID,
            "hours_open": "16:00",
            "hours_close": "21:00",
            "weekdays": ["0"],
        },
    )
    assert refused.status_code == 422
    assert "このアカウントに対応する団体を選んでください。" in visible_text(refused)
    assert services.writes() == []

    line.on("POST", "/line/channels", a_channel(desk), status=201)
    done = center.post(
        "/line/channels/new",
        {
            "org_id": desk,
            "name": "やまなし",
            "channel_id": "2001234567",
            "channel_secret": "s3cr3t-value-123",
            "channel_access_token": "token-value-1234567890",
            "bot_user_id": BOT_USER_ID,
            "hours_open": "22:00",
            "hours_close": "02:00",
            "weekdays": ["4", "5"],
        },
    )
    assert done.status_code == 302
    sent = line.last("POST", "/line/channels").body
    assert sent["org_id"] == desk
    assert sent["hours"] == {"open": "22:00", "close": "02:00", "weekdays": [4, 5]}


def test_editing_a_channel_sends_only_typed_secrets_and_keeps_closed_days(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    admin = sign_in(app, services, role="org_admin")
    channel = a_channel(
        str(admin.principal.org_id),
        hours={
            "open": "16:00",
            "close": "21:00",
            "weekdays": [0, 1],
            "closed_days": ["2026-12-31"],
        },
    )
    line.on("GET", "/line/channels", data.page([channel]))
    line.on("PATCH", "/line/channels/{id}", channel)
    page = html(admin.get(f"/line/channels/{channel['id']}"))
    assert 'value="やまなしLINE相談"' in page
    assert 'value="16:00"' in page
    done = admin.post(
        f"/line/channels/{channel['id']}",
        {
            "name": "やまなしLINE相談（夜）",
            "channel_secret": "",
            "channel_access_token": "new-token-value-123",
            "hours_open": "17:00",
            "hours_close": "22:00",
            "weekdays": ["0", "1", "2"],
            "out_of_hours_message": "",
        },
    )
    assert done.status_code == 302
    assert line.last("PATCH", "/line/channels/{id}").body == {
        "name": "やまなしLINE相談（夜）",
        "hours": {
            "open": "17:00",
            "close": "22:00",
            "weekdays": [0, 1, 2],
            "closed_days": ["2026-12-31"],
        },
        "out_of_hours_message": None,
        "channel_access_token": "new-token-value-123",
    }


def test_a_wrong_edit_keeps_what_was_typed(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    admin = sign_in(app, services, role="org_admin")
    channel = a_channel(str(admin.principal.org_id))
    line.on("GET", "/line/channels", data.page([channel]))
    answer = admin.post(
        f"/line/channels/{channel['id']}",
        {"name": "", "hours_open": "18:00", "hours_close": "18:00", "weekdays": ["6"]},
    )
    assert answer.status_code == 422
    text = visible_text(answer)
    assert "アカウント名: 必須項目です。" in text
    assert "開始時刻と終了時刻は別の時刻にしてください。" in text
    assert 'value="18:00"' in html(answer)
    assert services.writes() == []


def test_another_orgs_channel_and_staff_are_refused(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    admin = sign_in(app, services, role="org_admin")
    line.on("GET", "/line/channels", data.page([a_channel(str(admin.principal.org_id))]))
    assert admin.get(f"/line/channels/{data.new_id()}").status_code == 404

    staff = sign_in(app, services, role="staff")
    line.on("GET", "/line/channels", problem(403, "forbidden"))
    assert staff.get("/line/channels").status_code == 403
    assert staff.get("/line/channels/new").status_code == 403
    assert services.writes() == []


# --- the queue -----------------------------------------------------------------------


def test_the_queue_shows_waiting_time_risk_counsellor_and_unread_without_ids(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    colleague = data.new_id()
    people(services, (colleague, "望月 真理"))
    rows = [
        a_conversation(risk="high", unread=3, out_of_hours=True),
        a_conversation(waiting_since=ago(hours=1, minutes=7)),
        a_conversation(status="open", assigned_to=colleague, waiting_since=None),
        a_conversation(status="open", assigned_to=str(staff.principal.user_id), unread=0),
    ]
    line.on("GET", "/line/conversations", data.page(rows))
    page = staff.get("/line/queue")
    assert page.status_code == 200
    assert asked(line)[-1] == {"status": "waiting"}
    text = visible_text(page)
    assert "5分待ち" in text
    assert "1時間7分待ち" in text
    assert "高リスク" in text
    assert "未読3件" in text
    assert "時間外" in text
    assert "望月 真理" in text
    assert "山下 健（あなた）" in text
    assert BARE_UUID.findall(text) == []
    assert LINE_USER_ID not in html(page)
    assert 'data-poll-url="/line/queue.json?status=waiting"' in html(page)

    staff.get("/line/queue?status=closed")
    assert asked(line)[-1] == {"status": "closed"}
    staff.get("/line/queue?status=nonsense")
    assert asked(line)[-1] == {"status": "waiting"}


def test_the_queue_json_gives_the_rows_for_the_script(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    people(services)
    line.on("GET", "/line/conversations", data.page([a_conversation(risk="watch")]))
    answer = staff.get("/line/queue.json?status=waiting")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = json.loads(answer.get_data())
    assert body["status"] == "waiting"
    assert body["count"] == 1
    assert "要注意" in body["html"]
    assert "5分待ち" in body["html"]

    line.on("GET", "/line/conversations", data.page([]))
    empty = json.loads(staff.get("/line/queue.json?status=waiting").get_data())
    assert "待っている人はいません。" in empty["html"]


def test_someone_who_is_not_desk_staff_gets_the_refusal_page(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    viewer = sign_in(app, services, role="viewer")
    line.on("GET", "/line/conversations", problem(403, "forbidden"))
    assert viewer.get("/line/queue").status_code == 403
    assert viewer.get("/line/queue.json").status_code == 403


# --- a conversation --------------------------------------------------------------------


def test_the_conversation_is_a_chat_in_jst_and_shows_no_line_user_id(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    me = str(staff.principal.user_id)
    people(services)
    conversation = a_conversation(status="open", assigned_to=me, out_of_hours=True)
    line.on(
        "GET",
        "/line/conversations/{id}",
        with_messages(
            conversation,
            incoming("夜分にすみません。息子のことで相談したいです。"),
            outgoing("ご連絡ありがとうございます。", me),
            incoming("", type="sticker", details={"packageId": "1"}),
            incoming("消したい", redacted=True),
        ),
    )
    page = staff.get(f"/line/conversations/{conversation['id']}")
    assert page.status_code == 200
    text = visible_text(page)
    assert "夜分にすみません。息子のことで相談したいです。" in text
    assert "2026/11/26 20:30" in text
    assert "2026/11/26 20:32" in text
    assert "相談者" in text
    assert "山下 健（あなた）" in text
    assert "送信済み" in text
    assert "スタンプ" in text
    assert "相談者がこのメッセージの送信を取り消しました。" in text
    assert "消したい" not in text
    assert "時間外" in text
    assert "返信" in text
    assert "相談を終了する" in text
    assert "この相談を担当する" not in text
    assert BARE_UUID.findall(text) == []
    assert LINE_USER_ID not in html(page)
    chat = html(page)
    assert 'class="msg in"' in chat
    assert 'class="msg out"' in chat


def test_taking_a_conversation_assigns_it_to_me(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    people(services)
    conversation = a_conversation()
    line.on("GET", "/line/conversations/{id}", with_messages(conversation, incoming("こんばんは")))
    line.on("POST", "/line/conversations/{id}/assign", conversation | {"status": "open"})
    text = visible_text(staff.get(f"/line/conversations/{conversation['id']}"))
    assert "この相談を担当する" in text
    assert "送信する" not in text  # only the holder has a reply box
    done = staff.post(f"/line/conversations/{conversation['id']}/take")
    assert done.status_code == 302
    assert line.last("POST", "/line/conversations/{id}/assign").body == {}


def test_taking_a_conversation_over_the_cap_is_explained_in_japanese(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    me = str(staff.principal.user_id)
    people(services)
    conversation = a_conversation()
    line.on("GET", "/line/conversations/{id}", with_messages(conversation, incoming("こんばんは")))
    line.on("POST", "/line/conversations/{id}/assign", problem(409, "assignment_cap"))
    held = [a_conversation(status="open", assigned_to=me) for _ in range(2)]
    line.on("GET", "/line/conversations", data.page(held))
    answer = staff.post(f"/line/conversations/{conversation['id']}/take")
    assert answer.status_code == 409
    assert "同時に対応できる上限（2件）に達しています" in visible_text(answer)


def test_a_reply_is_sent_by_the_holder_and_an_empty_or_refused_one_keeps_the_text(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    me = str(staff.principal.user_id)
    people(services)
    conversation = a_conversation(status="open", assigned_to=me)
    line.on("GET", "/line/conversations/{id}", with_messages(conversation, incoming("こんばんは")))
    line.on("POST", "/line/conversations/{id}/messages", outgoing("こんばんは。", me), status=201)
    done = staff.post(f"/line/conversations/{conversation['id']}/reply", {"text": "こんばんは。"})
    assert done.status_code == 302
    assert line.last("POST", "/line/conversations/{id}/messages").body == {"text": "こんばんは。"}

    empty = staff.post(f"/line/conversations/{conversation['id']}/reply", {"text": "  "})
    assert empty.status_code == 422
    assert "返信を入力してください。" in visible_text(empty)
    assert len(line.calls("POST", "/line/conversations/{id}/messages")) == 1

    line.on(
        "POST",
        "/line/conversations/{id}/messages",
        problem(422, "validation_failed", [{"field": "text", "code": "string_too_long"}]),
    )
    long = staff.post(f"/line/conversations/{conversation['id']}/reply", {"text": "長い返信" * 3})
    assert long.status_code == 422
    assert "長すぎます" in visible_text(long) or "返信:" in visible_text(long)
    assert "長い返信長い返信長い返信</textarea>" in html(long)


def test_someone_else_who_is_not_the_holder_is_refused_and_keeps_the_text(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    people(services)
    conversation = a_conversation(status="open", assigned_to=data.new_id())
    line.on("GET", "/line/conversations/{id}", with_messages(conversation, incoming("こんばんは")))
    line.on("POST", "/line/conversations/{id}/messages", problem(403, "forbidden"))
    page = visible_text(staff.get(f"/line/conversations/{conversation['id']}"))
    assert "他の相談員が対応中です。" in page
    assert "この相談を引き継ぐ" in page
    answer = staff.post(f"/line/conversations/{conversation['id']}/reply", {"text": "失礼します"})
    assert answer.status_code == 422
    text = visible_text(answer)
    assert "この相談を担当している相談員だけができます。" in text
    assert "失礼します" in text  # what was typed is kept


def test_closing_with_a_summary_and_a_refused_close(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    me = str(staff.principal.user_id)
    people(services)
    conversation = a_conversation(status="open", assigned_to=me)
    line.on("GET", "/line/conversations/{id}", with_messages(conversation, incoming("ありがとう")))
    line.on("POST", "/line/conversations/{id}/close", conversation | {"status": "closed"})
    done = staff.post(
        f"/line/conversations/{conversation['id']}/close", {"summary": "家族会を案内した"}
    )
    assert done.status_code == 302
    assert "/line/queue" in done.headers["Location"]
    assert line.last("POST", "/line/conversations/{id}/close").body == {
        "summary": "家族会を案内した"
    }

    line.on("POST", "/line/conversations/{id}/close", problem(409, "conversation_closed"))
    refused = staff.post(
        f"/line/conversations/{conversation['id']}/close", {"summary": "二度目のまとめ"}
    )
    assert refused.status_code == 422
    assert "この相談は終了しています。" in visible_text(refused)
    assert "二度目のまとめ</textarea>" in html(refused)
    assert '<details id="close" open>' in html(refused)


def test_a_closed_conversation_shows_its_summary_and_no_forms(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    people(services)
    conversation = a_conversation(status="closed", assigned_to=str(staff.principal.user_id))
    line.on(
        "GET",
        "/line/conversations/{id}",
        with_messages(conversation, incoming("ありがとう"))
        | {"summary": "家族会を案内した", "closed_at": "2026-11-26T12:00:00+00:00"},
    )
    text = visible_text(staff.get(f"/line/conversations/{conversation['id']}"))
    assert "家族会を案内した" in text
    assert "2026/11/26 21:00" in text
    assert "送信する" not in text
    assert "この相談を担当する" not in text


def test_another_orgs_conversation_is_not_found_on_every_route(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    outsider = sign_in(app, services, role="staff")
    people(services)
    other = data.new_id()  # nobody scripted it: the service answers 404, as for another org
    for method, path, body in (
        ("get", f"/line/conversations/{other}", None),
        ("get", f"/line/conversations/{other}/messages.json", None),
        ("post", f"/line/conversations/{other}/take", {}),
        ("post", f"/line/conversations/{other}/reply", {"text": "こんばんは"}),
        ("post", f"/line/conversations/{other}/close", {"summary": ""}),
    ):
        answer = outsider.get(path) if method == "get" else outsider.post(path, body)
        assert answer.status_code == 404, path
        assert "見つかりません" in visible_text(answer) or answer.status_code == 404


def test_the_messages_json_gives_the_chat_for_the_script(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    people(services)
    conversation = a_conversation()
    line.on("GET", "/line/conversations/{id}", with_messages(conversation, incoming("こんばんは")))
    body = json.loads(
        staff.get(f"/line/conversations/{conversation['id']}/messages.json").get_data()
    )
    assert body["count"] == 1
    assert "こんばんは" in body["html"]


# --- languages -------------------------------------------------------------------------


def test_english_pages_carry_no_japanese_and_japanese_pages_no_english_labels(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    admin = sign_in(app, services, role="org_admin", name="Ken Yamashita")
    me = str(admin.principal.user_id)
    services.auth.on("GET", "/organizations/{id}/users", data.page([]))
    people(services)
    channel = a_channel(str(admin.principal.org_id), name="Yamanashi LINE")
    line.on("GET", "/line/channels", data.page([channel]))
    conversation = a_conversation(status="open", assigned_to=me, risk="high", out_of_hours=True)
    line.on("GET", "/line/conversations", data.page([conversation]))
    line.on(
        "GET",
        "/line/conversations/{id}",
        with_messages(conversation, incoming("Good evening"), outgoing("Hello", me)),
    )
    pages = {
        "/line/channels": ("LINE channels", "Webhook URL"),
        "/line/channels/new": ("Register a LINE channel", "Channel secret"),
        f"/line/channels/{channel['id']}": ("Paste this URL", "Opens at"),
        "/line/queue?status=open": ("Waiting time", "High risk"),
        f"/line/conversations/{conversation['id']}": ("Close the conversation", "Out of hours"),
    }
    for path, words in pages.items():
        answer = english(admin, path)
        assert answer.status_code == 200, path
        text = visible_text(answer)
        assert all(w in text for w in words), (path, words)
        assert no_japanese(text) == [], (path, no_japanese(text))
        japanese = visible_text(admin.get(path))
        assert not any(w in japanese for w in words if w != "Webhook URL"), path


# --- other roles -------------------------------------------------------------------------


def test_the_desk_org_admin_sees_the_queue_with_names_from_the_org_people(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    admin = sign_in(app, services, role="org_admin")
    counsellor_id = data.new_id()
    people(services)
    services.auth.on(
        "GET",
        "/organizations/{id}/users",
        data.page([{"id": counsellor_id, "name": "雨宮 さくら", "role": "staff"}]),
    )
    line.on(
        "GET",
        "/line/conversations",
        data.page([a_conversation(status="open", assigned_to=counsellor_id)]),
    )
    page = admin.get("/line/queue?status=open")
    assert page.status_code == 200
    assert "雨宮 さくら" in visible_text(page)
    assert services.auth.last("GET", "/organizations/{id}/users").path == (
        f"/organizations/{admin.principal.org_id}/users"
    )


def test_a_consortium_admin_has_no_desk_entry_and_the_service_refuses_the_queue(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    center = sign_in(app, services, role="consortium_admin", kind="prefectural_center")
    text = visible_text(account_page(services, center))
    assert "LINEチャネル" in text
    assert "LINE相談窓口" not in text
    line.on("GET", "/line/conversations", problem(403, "forbidden"))
    assert center.get("/line/queue").status_code == 403


def test_the_home_page_tells_desk_staff_how_many_are_waiting(
    app: Flask, services: FakeServices, line: FakeService
) -> None:
    staff = sign_in(app, services, role="staff")
    rows = [a_conversation(), a_conversation(risk="high")]
    line.on("GET", "/line/conversations", data.page(rows))
    services.cases.on("GET", "/cases", data.page([]))
    services.referrals.on("GET", "/notifications/unread-count", {"total": 0})
    services.referrals.on("GET", "/referrals", data.page([]))
    text = visible_text(staff.get("/"))
    assert "LINEで待っている人" in text
    assert "LINE相談窓口を開く" in text
