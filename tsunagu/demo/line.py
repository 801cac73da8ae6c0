"""Demo LINE desk: the Yamanashi consortium's LINE consultation desk (NPO法人 やまなしLINE相談
ネット) has its channel registered, pointed at the local LINE simulator that ``make run``
starts (tsunagu/linesim), and a few simulated LINE users have followed and written — so the
desk's queue shows real conversations and a visitor can write more from the simulator's page.

Skipped when the stack talks to a real LINE platform (TSUNAGU_LINE_API_URL set by the
operator) or has no LINE service.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from common.config import SERVICES, Settings
from common.http.client import ServiceClient
from tsunagu.demo.context import DemoContext
from tsunagu.linesim import (
    DEFAULT_BOT_USER_ID,
    DEFAULT_CHANNEL_ACCESS_TOKEN,
    DEFAULT_CHANNEL_SECRET,
)
from tsunagu.registry import LINE_SIMULATOR_PORT_VARIABLE

log = logging.getLogger(__name__)

USERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "みかん",
        ("はじめまして。40代の息子が10年ほど家にいます。親としてどうしたらいいか相談したいです。",),
    ),
    (
        "ゆう",
        ("こんばんは", "仕事を辞めてから外に出るのがこわくなりました。話を聞いてもらえますか"),
    ),
    ("さくら", ("家族会ってどんなところですか？",)),
)
"""Display names on the simulator and what each writes (a parent, a person, a question)."""


def seed(ctx: DemoContext) -> None:
    port = os.environ.get(LINE_SIMULATOR_PORT_VARIABLE)
    if "line" not in SERVICES or not port:
        log.info("no local LINE simulator: the LINE desk demo is skipped")
        return
    simulator = ServiceClient(f"http://127.0.0.1:{port}", timeout=10)
    admin = ctx.as_user("yamanashi.line.admin")
    channel = admin.post(
        "/line/channels",
        {
            "org_id": ctx.orgs["yamanashi.line"],
            "name": "やまなしひきこもりLINE相談",
            "channel_id": "2000000001",
            "channel_secret": DEFAULT_CHANNEL_SECRET,
            "channel_access_token": DEFAULT_CHANNEL_ACCESS_TOKEN,
            "bot_user_id": DEFAULT_BOT_USER_ID,
            "hours": {"open": "16:00", "close": "21:00"},
        },
    )
    _point(simulator, ctx.settings, channel["id"])
    for name, messages in USERS:
        user = _call(simulator, "POST", "/_sim/users", {"display_name": name})
        _call(simulator, "POST", f"/_sim/users/{user['user_id']}/follow", {})
        for text in messages:
            _call(
                simulator,
                "POST",
                f"/_sim/users/{user['user_id']}/messages",
                {"message": {"type": "text", "text": text}},
            )
    ctx.shared["line_channel_id"] = channel["id"]


def reconnect(settings: Settings, channel_id: str) -> None:
    """A later start: the simulator remembers nothing, so point it at the demo channel again."""
    port = os.environ.get(LINE_SIMULATOR_PORT_VARIABLE)
    if port:
        _point(ServiceClient(f"http://127.0.0.1:{port}", timeout=10), settings, channel_id)


def _point(simulator: ServiceClient, settings: Settings, channel_id: str) -> None:
    webhook = f"{settings.service_url('gateway')}/line/webhook/{channel_id}"
    _call(simulator, "PUT", "/_sim/settings", {"webhook_url": webhook})


def _call(client: ServiceClient, method: str, path: str, body: dict[str, Any]) -> Any:
    answer = client.call(method, path, json_body=body)
    if answer.status >= 400:
        raise RuntimeError(f"LINE simulator {method} {path}: {answer.status} {answer.body[:300]!r}")
    return answer.json()
