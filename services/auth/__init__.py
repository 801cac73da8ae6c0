"""The auth service: tenants, people, credentials, sessions and principal tokens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from common.service import Runtime, ServiceDefinition

if TYPE_CHECKING:
    from common.messaging.worker import PeriodicTask
    from services.auth.operations import AuthDeps


def _dependencies(runtime: Runtime) -> AuthDeps:
    from datetime import timedelta

    from common.datakey import SecretBox, load_data_key
    from common.principal import PrincipalSigner, load_private_key
    from common.servicekey import ServiceCredentialVerifier, load_service_key
    from services.auth.domain.passwords import PasswordHashing
    from services.auth.domain.sessions import SessionPolicy
    from services.auth.operations import AuthDeps

    settings = runtime.settings
    return AuthDeps(
        settings=settings,
        hashing=PasswordHashing(settings.argon2_time_cost, settings.argon2_memory_kib),
        signer=PrincipalSigner(
            load_private_key(settings.principal_private_key, settings.keys_dir),
            ttl_seconds=settings.principal_ttl_seconds,
        ),
        secrets=SecretBox(load_data_key(settings.data_key, settings.keys_dir)),
        policy=SessionPolicy(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
        ),
        internal=ServiceCredentialVerifier(
            load_service_key(settings.service_key, settings.keys_dir)
        ),
    )


HOUSEKEEPING_SECONDS = 600.0


def _periodic(runtime: Runtime) -> Sequence[PeriodicTask]:
    """Forget sign-in failures and revocations older than anything still looks back at (the
    audit log keeps the record). The mail outbox is sent by every worker that has one."""
    from common.messaging.worker import PeriodicTask
    from services.auth.operations.revocations import prune_feed
    from services.auth.operations.throttle import prune_failures

    def housekeeping() -> None:
        with runtime.session_factory() as session:
            prune_failures(session, runtime.clock())
            prune_feed(session)

    return [PeriodicTask("auth-housekeeping", HOUSEKEEPING_SECONDS, housekeeping)]


SERVICE = ServiceDefinition(
    name="auth", package=__name__, dependencies=_dependencies, periodic=_periodic
)
NAME = SERVICE.name
MIGRATIONS = SERVICE.migrations
create_app = SERVICE.create_app
