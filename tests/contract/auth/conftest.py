"""The auth contract tests run on the service tier's fixtures."""

from tests.service.auth.conftest import (  # noqa: F401
    bare_client,
    client,
    gateway_credential,
    make,
    service_definition,
)
