"""A registered desk and LINE-shaped webhook events, for the LINE service's tests."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from common.clock import as_utc, utcnow
from common.principal import Principal
from common.testing.principals import Tenant, auth_header, make_principal
from services.line.domain.webhook import signature_of
from services.line.models import OrgDirectoryEntry
from services.line.operations import LineDeps, intake, media, sending

SECRET = "0123456789abcdef0123456789abcdef"
BOT = "U" + "b" * 32
_ids = itertools.count(1)


def line_user_id(n: int = 1) -> str:
    return "U" + f"{n:032x}"


def ms(moment: datetime) -> int:
    return int(as_utc(moment).timestamp() * 1000)


def _base(kind: str, user: str, at: datetime | None, **extra: Any) -> dict[str, Any]:
    n = next(_ids)
    event: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": ms(at or utcnow()),
        "source": {"type": "user", "userId": user},
        "webhookEventId": f"01HWEBHOOK{n:016d}",
        "deliveryContext": {"isRedelivery": False},
    }
    event.update(extra)
    return event


def follow(user: str, at: datetime | None = None, *, unblocked: bool = False) -> dict[str, Any]:
    return _base(
        "follow", user, at, replyToken=f"rt{next(_ids)}", follow={"isUnblocked": unblocked}
    )


def unfollow(user: str, at: datetime | None = None) -> dict[str, Any]:
    return _base("unfollow", user, at)


def text(user: str, body: str, at: datetime | None = None) -> dict[str, Any]:
    n = next(_ids)
    message = {"type": "text", "id": f"5{n:017d}", "text": body, "quoteToken": f"q{n}"}
    return _base("message", user, at, replyToken=f"rt{n}", message=message)


def image(user: str, at: datetime | None = None) -> dict[str, Any]:
    n = next(_ids)
    message = {
        "type": "image",
        "id": f"6{n:017d}",
        "quoteToken": f"q{n}",
        "contentProvider": {"type": "line"},
    }
    return _base("message", user, at, replyToken=f"rt{n}", message=message)


def unsend(user: str, message_id: str, at: datetime | None = None) -> dict[str, Any]:
    return _base("unsend", user, at, unsend={"messageId": message_id})


def body_of(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": BOT, "events": list(events)}).encode()


@dataclass
class Desk:
    """An org with a registered LINE channel, its admin and two counsellors."""

    app: Flask
    sessions: sessionmaker[Session]
    deps: LineDeps
    tenant: Tenant
    admin: Principal
    staff: Principal
    colleague: Principal
    channel_id: str
    channel: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def register(
        cls,
        app: Flask,
        sessions: sessionmaker[Session],
        deps: LineDeps,
        tenant: Tenant | None = None,
        **hours: Any,
    ) -> Desk:
        tenant = tenant or Tenant.new("support_station")
        with sessions() as session:
            session.add(
                OrgDirectoryEntry(
                    org_id=tenant.org_id,
                    consortium_id=tenant.consortium_id,
                    name="LINE相談窓口",
                    kind=tenant.kind,
                    sector="private",
                    status="active",
                    as_of=utcnow(),
                )
            )
            session.commit()
        admin = make_principal(tenant, role="org_admin")
        payload: dict[str, Any] = {
            "org_id": str(tenant.org_id),
            "name": "やまなしLINE相談",
            "channel_id": str(1_600_000_000 + next(_ids)),
            "channel_secret": SECRET,
            "channel_access_token": "token-" + uuid.uuid4().hex,
            "bot_user_id": BOT,
        }
        if hours:
            payload["hours"] = hours
        answer = app.test_client().post("/line/channels", json=payload, headers=auth_header(admin))
        assert answer.status_code == 201, answer.get_json()
        channel = answer.get_json()
        return cls(
            app,
            sessions,
            deps,
            tenant,
            admin,
            make_principal(tenant, role="staff"),
            make_principal(tenant, role="staff"),
            channel["id"],
            channel,
        )

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    def post(self, body: bytes, secret: str = SECRET, **headers: str) -> TestResponse:
        sent = {"X-Line-Signature": signature_of(body, secret), **headers}
        return self.client.post(
            f"/line/webhook/{self.channel_id}",
            data=body,
            headers=sent,
            content_type="application/json; charset=utf-8",
        )

    def deliver(self, *events: dict[str, Any]) -> TestResponse:
        """Post the events and let the worker apply them."""
        answer = self.post(body_of(*events))
        assert answer.status_code == 200, answer.get_json()
        self.work()
        return answer

    def work(self) -> None:
        intake.apply_pending(self.sessions, self.deps)

    def send(self) -> int:
        return sending.send_due(self.sessions, self.deps)

    def fetch_media(self) -> int:
        return media.fetch_due(self.sessions, self.deps)

    def as_(self, who: Principal, method: str, path: str, **kwargs: Any) -> TestResponse:
        return self.client.open(path, method=method, headers=auth_header(who), **kwargs)

    def conversations(self, who: Principal | None = None, **query: str) -> list[dict[str, Any]]:
        answer = self.as_(who or self.staff, "GET", "/line/conversations", query_string=query)
        assert answer.status_code == 200, answer.get_json()
        items: list[dict[str, Any]] = answer.get_json()["items"]
        return items
