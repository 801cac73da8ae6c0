from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.servicekey import ServiceCredential, load_service_key
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


class GatewayLikeClient(FlaskClient):
    """Signs calls to ``/internal/*`` with the service credential, as the gateway does."""

    credential: ServiceCredential

    def open(self, *args: Any, **kwargs: Any) -> Any:
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path")
        if isinstance(path, str) and path.startswith("/internal/"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.update(self.credential.headers(kwargs.get("method", "GET"), path))
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


@pytest.fixture
def app(sessions: sessionmaker[Session], tmp_path: Path) -> Flask:
    app = create_app(test_settings(tmp_path), session_factory=sessions)
    GatewayLikeClient.credential = ServiceCredential(
        load_service_key(None, tmp_path / "keys"), "gateway"
    )
    app.test_client_class = GatewayLikeClient
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def bare_client(app: Flask) -> FlaskClient:
    """A caller that only reaches the port: no service credential."""
    app.test_client_class = FlaskClient
    return app.test_client()


@pytest.fixture
def make(sessions: sessionmaker[Session]) -> Factory:
    return Factory(sessions)
