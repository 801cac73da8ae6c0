"""First start, made safe to repeat: keys, broker, every service's migrations and the
platform admin. The CLI's ``bootstrap`` and ``run`` and the demo seeding share it; it
imports none of them (see the layers contract in pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

import click

from common.config import SERVICES, Settings
from tsunagu.registry import migrations_dir


def ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def bootstrap_all(settings: Settings, services: tuple[str, ...] = SERVICES) -> str | None:
    """Everything a first start needs; safe to repeat. Returns a generated admin password."""
    from common.datakey import ensure_data_key
    from common.messaging.broker import bootstrap as bootstrap_broker
    from common.migrations import upgrade
    from common.principal import ensure_keypair
    from common.servicekey import ensure_service_key

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not settings.principal_private_key:
        ensure_keypair(settings.keys_dir)
    if not settings.data_key:
        ensure_data_key(settings.keys_dir)
    if not settings.service_key:
        ensure_service_key(settings.keys_dir)
    secret_file = settings.keys_dir / "secret_key"
    if not settings.secret_key and not secret_file.exists():
        import secrets

        settings.keys_dir.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_urlsafe(48))
        secret_file.chmod(0o600)
    if settings.broker_url.startswith("sqlite"):
        Path(settings.broker_url.removeprefix("sqlite://")).parent.mkdir(
            parents=True, exist_ok=True
        )
    bootstrap_broker(settings.broker_url, settings.broker_namespace)
    for service in services:
        ensure_sqlite_dir(settings.database_url(service))
        upgrade(migrations_dir(service), settings.database_url(service))
    return _ensure_admin(settings)


def _ensure_admin(settings: Settings) -> str | None:
    from common.db import make_engine, make_session_factory
    from services.auth.bootstrap import ensure_platform_admin
    from services.auth.domain.passwords import PasswordHashing

    engine = make_engine(settings.database_url("auth"))
    try:
        with make_session_factory(engine)() as session:
            return ensure_platform_admin(
                session,
                PasswordHashing(settings.argon2_time_cost, settings.argon2_memory_kib),
                settings.admin_email or DEFAULT_ADMIN_EMAIL,
                settings.admin_password,
            )
    finally:
        engine.dispose()


DEFAULT_ADMIN_EMAIL = "admin@tsunagu.example"


def announce_admin(settings: Settings, generated: str | None) -> None:
    if generated:
        click.secho(
            f"\nPlatform admin created: {settings.admin_email or DEFAULT_ADMIN_EMAIL}\n"
            f"Password (shown once, write it down): {generated}\n",
            fg="yellow",
        )
