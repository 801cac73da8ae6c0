from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.service import ServiceDefinition
from common.servicekey import ServiceCredential, load_service_key
from services.auth import SERVICE
from tests.service.auth.factories import Factory


@pytest.fixture(scope="module")
def service_definition() -> ServiceDefinition:
    return SERVICE


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
def gateway_credential(app: Flask, tmp_path: Path) -> ServiceCredential:
    """The installation's service credential (the app was built on ``tmp_path``'s keys)."""
    return ServiceCredential(load_service_key(None, tmp_path / "keys"), "gateway")


@pytest.fixture
def client(app: Flask, gateway_credential: ServiceCredential) -> FlaskClient:
    client = GatewayLikeClient(app, app.response_class)
    client.credential = gateway_credential
    return client


@pytest.fixture
def bare_client(app: Flask) -> FlaskClient:
    """A caller that only reaches the port: no service credential."""
    return FlaskClient(app, app.response_class)


@pytest.fixture
def make(sessions: sessionmaker[Session]) -> Factory:
    return Factory(sessions)
