from __future__ import annotations

import pytest

from common.service import ServiceDefinition
from services.cases import SERVICE


@pytest.fixture(scope="module")
def service_definition() -> ServiceDefinition:
    """The gate is the same in every service; the cases service stands for them here."""
    return SERVICE
