"""The auth service: tenants, people, credentials, sessions and principal tokens."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from common.config import Settings, load_settings
from common.datakey import SecretBox, load_data_key
from common.http.service import create_service_app
from common.principal import PrincipalSigner, load_private_key
from common.servicekey import ServiceCredentialVerifier, load_service_key

MIGRATIONS = Path(__file__).parent / "migrations"
NAME = "auth"


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
) -> Flask:
    from datetime import timedelta

    from services.auth.api import bp
    from services.auth.domain.passwords import PasswordHashing
    from services.auth.domain.sessions import SessionPolicy
    from services.auth.operations import AuthDeps

    settings = settings or load_settings()
    signer = PrincipalSigner(
        load_private_key(settings.principal_private_key, settings.keys_dir),
        ttl_seconds=settings.principal_ttl_seconds,
    )
    app = create_service_app(NAME, settings, session_factory=session_factory, blueprints=[bp])
    app.extensions["auth_deps"] = AuthDeps(
        settings=settings,
        hashing=PasswordHashing(settings.argon2_time_cost, settings.argon2_memory_kib),
        signer=signer,
        secrets=SecretBox(load_data_key(settings.data_key, settings.keys_dir)),
        policy=SessionPolicy(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
        ),
        internal=ServiceCredentialVerifier(
            load_service_key(settings.service_key, settings.keys_dir)
        ),
    )
    return app
