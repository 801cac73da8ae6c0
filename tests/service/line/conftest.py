from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from common.service import ServiceDefinition
from services.line import SERVICE
from services.line.operations import LineDeps
from services.line.platform import LinePlatform
from tests.service.line.fake_line import FakeLine, running_fake_line
from tests.service.line.support import Desk


@pytest.fixture(scope="module")
def service_definition() -> ServiceDefinition:
    return SERVICE


@pytest.fixture(scope="module")
def fake_line() -> Iterator[FakeLine]:
    with running_fake_line() as fake:
        yield fake


@pytest.fixture
def line_api(fake_line: FakeLine) -> FakeLine:
    fake_line.calls.clear()
    fake_line.queued.clear()
    fake_line.content.clear()
    fake_line.consumed = 0
    return fake_line


class FakeCases:
    """The cases service's ``POST /cases``, as the line service calls it."""

    def __init__(self) -> None:
        self.opened: list[tuple[str, dict[str, Any]]] = []

    def open_case(self, token: str, body: dict[str, Any]) -> uuid.UUID:
        self.opened.append((token, body))
        return uuid.uuid4()


@pytest.fixture
def cases_port() -> FakeCases:
    return FakeCases()


@pytest.fixture
def service_overrides(line_api: FakeLine, cases_port: FakeCases) -> dict[str, Any]:
    """The real SDK path, pointed at the fake as TSUNAGU_LINE_API_URL would point it."""
    return {"platform": LinePlatform(line_api.url, line_api.url, timeout=5.0), "cases": cases_port}


@pytest.fixture
def deps(app: Flask) -> LineDeps:
    result: LineDeps = app.extensions["tsunagu"].deps
    return result


@pytest.fixture
def desk(app: Flask, sessions: sessionmaker[Session], deps: LineDeps) -> Desk:
    return Desk.register(app, sessions, deps)
