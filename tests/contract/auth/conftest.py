"""The auth service fixtures of the service tier, reused for its contract tests."""

from tests.service.auth.conftest import app, auth_engine, client, make, sessions  # noqa: F401
from tests.service.conftest import backend  # noqa: F401
