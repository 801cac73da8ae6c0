"""The LINE desk end to end, on real processes: a signed webhook through the gateway (no
session), the line worker applying it, the desk seeing the conversation through /api/v1,
a counsellor's answer reaching "LINE" (a fake Messaging API at TSUNAGU_LINE_API_URL) by the
reply API — and the out-of-hours answer, and a wrong signature refused."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from common.clock import JST, utcnow
from common.http.client import ServiceClient
from common.testing.databases import server_broker_url, server_database_url
from services.line.domain.webhook import signature_of
from tests.e2e.helpers import World, new_world
from tests.e2e.stack import Stack
from tests.service.line.fake_line import FakeLine, running_fake_line
from tests.service.line.support import BOT, SECRET, line_user_id, text

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fake_line() -> Iterator[FakeLine]:
    with running_fake_line() as fake:
        yield fake


@pytest.fixture(
    scope="module", params=["embedded", pytest.param("server", marks=pytest.mark.server)]
)
def line_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, fake_line: FakeLine
) -> Iterator[Stack]:
    server = None
    if request.param == "server":
        database_url, broker_url = server_database_url(), server_broker_url()
        if not (database_url and broker_url):
            pytest.skip("server mode: set TSUNAGU_TEST_DATABASE_URL and TSUNAGU_TEST_BROKER_URL")
        server = (database_url, broker_url)
    with Stack(
        tmp_path_factory.mktemp(f"line-{request.param}"),
        server=server,
        extra_env={"TSUNAGU_LINE_API_URL": fake_line.url},
    ) as stack:
        yield stack


def _eventually(probe: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def _webhook(stack: Stack, channel_id: str, *events: dict[str, Any], secret: str = SECRET) -> int:
    body = json.dumps({"destination": BOT, "events": list(events)}).encode()
    answer = ServiceClient(stack.url("gateway")).request(
        "POST",
        f"/line/webhook/{channel_id}",
        body=body,
        headers={
            "Content-Type": "application/json",
            "X-Line-Signature": signature_of(body, secret),
        },
    )
    return answer.status


def test_a_line_users_message_reaches_the_desk_and_the_answer_reaches_line(
    line_stack: Stack, fake_line: FakeLine
) -> None:
    world: World = new_world(line_stack, {"desk": "npo"}, roles=("org_admin", "staff"))
    admin, staff = world.user("desk.org_admin"), world.user("desk.staff")
    local = utcnow().astimezone(JST)
    # Open from an hour ago for three hours (over midnight when it must be).
    hours = {"open": f"{(local.hour - 1) % 24:02d}:00", "close": f"{(local.hour + 2) % 24:02d}:00"}
    channel = admin.post(
        "/line/channels",
        {
            "org_id": world.orgs["desk"],
            "name": "LINE相談",
            "channel_id": str(int(time.time())),
            "channel_secret": SECRET,
            "channel_access_token": "e2e-access-token",
            "bot_user_id": BOT,
            "hours": hours,
        },
    )
    assert channel["webhook_url"].endswith(f"/line/webhook/{channel['id']}")
    assert _webhook(line_stack, channel["id"], text(line_user_id(1), "x"), secret="wrong") == 401
    assert _webhook(line_stack, channel["id"]) == 200  # Verify
    assert _webhook(line_stack, channel["id"], text(line_user_id(1), "相談したいです")) == 200

    queue = _eventually(lambda: staff.get("/line/conversations")["items"])
    assert len(queue) == 1
    conversation = queue[0]["id"]
    staff.post(f"/line/conversations/{conversation}/assign", {})
    before = len(fake_line.calls_to("/v2/bot/message/reply"))
    staff.post(f"/line/conversations/{conversation}/messages", {"text": "お話を聞かせてください"})
    replies = _eventually(lambda: fake_line.calls_to("/v2/bot/message/reply")[before:])
    assert [c.json()["messages"][0]["text"] for c in replies] == ["お話を聞かせてください"]
    assert not fake_line.calls_to("/v2/bot/message/push")  # the token was fresh: free reply
    detail = staff.get(f"/line/conversations/{conversation}")
    assert [m["text"] for m in detail["messages"]] == ["相談したいです", "お話を聞かせてください"]
    assert line_user_id(1) not in json.dumps(detail)
    sent = _eventually(
        lambda: (
            staff.get(f"/line/conversations/{conversation}")["messages"][1]["delivery"] == "sent"
        )
    )
    assert sent
    # The counsellor opens a case from it: the real cases service, on their behalf.
    opened = staff.post(f"/line/conversations/{conversation}/case", {"by": "self"})
    case = staff.get(f"/cases/{opened['case_id']}")
    assert case["org_id"] == world.orgs["desk"]
    assert [c["channel"] for c in case["contacts"]] == ["line"]


def test_a_message_outside_hours_is_answered_once_by_reply(
    line_stack: Stack, fake_line: FakeLine
) -> None:
    world: World = new_world(line_stack, {"night": "npo"}, roles=("org_admin",))
    admin = world.user("night.org_admin")
    local = utcnow().astimezone(JST)
    # A one-minute desk twelve hours away from now: the message is surely out of hours.
    opening = datetime(2026, 1, 1, (local.hour + 12) % 24, 0)
    channel = admin.post(
        "/line/channels",
        {
            "org_id": world.orgs["night"],
            "name": "夜間",
            "channel_id": str(int(time.time()) + 1),
            "channel_secret": SECRET,
            "channel_access_token": "e2e-night-token",
            "bot_user_id": BOT,
            "hours": {"open": f"{opening:%H}:00", "close": f"{opening:%H}:01"},
            "out_of_hours_message": "ただいま受付時間外です（e2e）",
        },
    )
    before = len(fake_line.calls_to("/v2/bot/message/reply"))
    user = line_user_id(2)
    assert _webhook(line_stack, channel["id"], text(user, "夜分にすみません")) == 200
    assert _webhook(line_stack, channel["id"], text(user, "まだいますか")) == 200
    assert _eventually(lambda: fake_line.calls_to("/v2/bot/message/reply")[before:])
    time.sleep(1.0)  # a second answer would have gone by now
    replies = [
        c
        for c in fake_line.calls_to("/v2/bot/message/reply")[before:]
        if "e2e）" in c.json()["messages"][0]["text"]
    ]
    assert len(replies) == 1
