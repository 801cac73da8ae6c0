"""The gateway's LINE webhook route: outside /api/v1, no session or CSRF, the raw bytes and
the signature forwarded untouched to the line service, a body over 1 MiB refused."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from flask import Flask

from common.http.client import UpstreamResponse, UpstreamUnavailable
from common.testing.services import test_settings
from gateway import create_app


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, dict[str, str], bytes | None]] = []
        self.down = False

    def client(self, service: str) -> Recorder.Client:
        return Recorder.Client(self, service)

    class Client:
        def __init__(self, owner: Recorder, service: str) -> None:
            self.owner, self.service = owner, service

        def request(
            self,
            method: str,
            path: str,
            *,
            body: bytes | None = None,
            headers: dict[str, str] | None = None,
        ) -> UpstreamResponse:
            if self.owner.down:
                raise UpstreamUnavailable("down")
            self.owner.calls.append((self.service, method, path, dict(headers or {}), body))
            return UpstreamResponse(200, [("Content-Type", "application/json")], b'{"stored":1}')


@pytest.fixture
def upstreams() -> Recorder:
    return Recorder()


@pytest.fixture
def app(upstreams: Recorder, tmp_path: Path) -> Flask:
    settings = test_settings(tmp_path)
    (settings.keys_dir / "secret_key").write_text("test-secret-key")
    return create_app(settings, upstreams=upstreams)  # type: ignore[arg-type]


def test_the_raw_body_and_signature_reach_the_line_service_without_a_session(
    app: Flask, upstreams: Recorder
) -> None:
    channel = uuid.uuid4()
    raw = b'{"destination":"U1","events":[{"text":"\\ud83d\\ude00 \\u3053"}]}'
    answer = app.test_client().post(
        f"/line/webhook/{channel}",
        data=raw,
        headers={"X-Line-Signature": "c2lnbmF0dXJl", "Cookie": "junk=1"},
        content_type="application/json; charset=utf-8",
    )
    assert answer.status_code == 200
    [(service, method, path, headers, body)] = upstreams.calls
    assert (service, method, path) == ("line", "POST", f"/line/webhook/{channel}")
    assert body == raw  # byte for byte: the signature is over exactly these
    assert headers["X-Line-Signature"] == "c2lnbmF0dXJl"
    assert "Authorization" not in headers


def test_a_body_over_1_mib_is_413_and_not_forwarded(app: Flask, upstreams: Recorder) -> None:
    answer = app.test_client().post(f"/line/webhook/{uuid.uuid4()}", data=b"x" * (1024 * 1024 + 1))
    assert answer.status_code == 413
    assert answer.mimetype == "application/problem+json"
    assert upstreams.calls == []


def test_a_malformed_channel_id_is_404_and_other_methods_405(
    app: Flask, upstreams: Recorder
) -> None:
    client = app.test_client()
    assert client.post("/line/webhook/not-a-channel", data=b"{}").status_code == 404
    assert client.get(f"/line/webhook/{uuid.uuid4()}").status_code == 405
    assert upstreams.calls == []


def test_a_line_service_outage_is_a_502_so_line_redelivers(app: Flask, upstreams: Recorder) -> None:
    upstreams.down = True
    answer = app.test_client().post(f"/line/webhook/{uuid.uuid4()}", data=b"{}")
    assert answer.status_code == 502


def test_the_desk_api_is_routed_to_the_line_service() -> None:
    from gateway.routes import service_for

    assert service_for("line/conversations") == "line"
    assert service_for("line/channels/abc") == "line"
