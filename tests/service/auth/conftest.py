from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.testing.services import migrated_database, savepoint_session_factory, test_settings
from services.auth import MIGRATIONS, create_app
from tests.service.auth.factories import Factory


@pytest.fixture(scope="module")
def auth_engine(
    backend: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    with migrated_database(tmp_path_factory.mktemp("auth"), MIGRATIONS, "auth", backend) as engine:
        yield engine


@pytest.fixture
def sessions(auth_engine: sa.Engine) -> Iterator[sessionmaker[Session]]:
    with savepoint_session_factory(auth_engine) as factory:
        yield factory


@pytest.fixture
def app(sessions: sessionmaker[Session], tmp_path: Path) -> Flask:
    return create_app(test_settings(tmp_path), session_factory=sessions)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make(sessions: sessionmaker[Session]) -> Factory:
    return Factory(sessions)
