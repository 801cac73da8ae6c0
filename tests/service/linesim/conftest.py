"""A running simulator and a webhook receiver that keeps the exact bytes it was sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from tsunagu.linesim import SimulatorConfig, create_app

SECRET = "8f2c7c0bd1b1c1f5e2b8c5a4a3a2a1a0"
TOKEN = "test-channel-access-token"
BOT = "U" + "b" * 32


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 200


def _serve(app: object) -> tuple[BaseWSGIServer, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    @Request.application  # type: ignore[arg-type]
    def app(request: Request) -> Response:
        holder[0].received.append(Received(request.get_data(), dict(request.headers)))
        return Response("", status=holder[0].status)

    server, base = _serve(app)
    holder.append(Receiver(base + "/line/webhook/demo"))
    yield holder[0]
    server.shutdown()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim_app(receiver: Receiver, clock: FakeClock) -> Flask:
    return create_app(SimulatorConfig(SECRET, TOKEN, receiver.url, BOT), clock=clock)


@pytest.fixture
def sim(sim_app: Flask) -> FlaskClient:
    return sim_app.test_client()


@pytest.fixture
def sim_url(sim_app: Flask) -> Iterator[str]:
    server, base = _serve(sim_app)
    yield base
    server.shutdown()
