"""An embedded broker file per test, and a namespace nobody else uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.messaging.broker import bootstrap
from common.testing.databases import unique_name


@pytest.fixture
def broker_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'broker.sqlite3'}"


@pytest.fixture
def namespace() -> str:
    return unique_name("msg")


@pytest.fixture
def bootstrapped(broker_url: str, namespace: str) -> str:
    """The broker URL, with schema and topology in place."""
    bootstrap(broker_url, namespace)
    return broker_url
