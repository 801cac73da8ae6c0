"""The auth contract tests run on the service tier's fixtures."""

from tests.service.auth.conftest import make, service_definition  # noqa: F401
