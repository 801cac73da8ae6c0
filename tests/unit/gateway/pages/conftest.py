"""Fixtures of the page tests: the gateway app with a fresh fake upstream per test."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.unit.gateway.pages.harness import FakeServices, gateway_app


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


@pytest.fixture
def app(services: FakeServices) -> Flask:
    return gateway_app(services)
