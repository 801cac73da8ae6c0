"""``python -m tsunagu <command>``: the one entry point of every process.

migrate            bring every service's database to its newest schema
revision S -m M    autogenerate a migration for service S
bootstrap          keys, broker, migrations, the platform admin (idempotent)
serve NAME         run a web process (gateway or a service) under gunicorn
worker SERVICE     run a service's outbox relay, consumer and periodic jobs
embedded NAME      a service's web app and worker in one process (embedded mode)
run                the whole stack under the supervisor, for `make run`
dlq list|replay    inspect or replay dead-lettered events
reports-rebuild    recompute every report table from the stored events
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import click

from common.config import SERVICES, Settings, load_settings
from tsunagu.registry import ROOT, WEB_APPS, WORKERS, migrations_dir


@click.group()
def cli() -> None:
    """Tsunagu — つなぐ."""


@cli.command()
@click.argument("services", nargs=-1)
def migrate(services: tuple[str, ...]) -> None:
    """Upgrade each service's database (all by default)."""
    from common.migrations import upgrade

    settings = load_settings()
    for service in services or SERVICES:
        _ensure_sqlite_dir(settings.database_url(service))
        upgrade(migrations_dir(service), settings.database_url(service))
        click.echo(f"migrated {service}")


@cli.command()
@click.argument("service", type=click.Choice(SERVICES))
@click.option("-m", "--message", required=True)
def revision(service: str, message: str) -> None:
    """Autogenerate a migration by diffing the models against a scratch database at head."""
    from common.migrations import revision as make_revision
    from common.migrations import upgrade

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'scratch.sqlite3'}"
        upgrade(migrations_dir(service), url)
        make_revision(migrations_dir(service), url, message)


def _ensure_sqlite_dir(url: str) -> None:
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
        _ensure_sqlite_dir(settings.database_url(service))
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


@cli.command()
@click.argument("services", nargs=-1, type=click.Choice(SERVICES))
def bootstrap(services: tuple[str, ...]) -> None:
    """Keys, broker, migrations (of SERVICES, all by default) and the platform admin.
    Idempotent."""
    settings = load_settings()
    generated = bootstrap_all(settings, services or SERVICES)
    _announce_admin(settings, generated)


def _announce_admin(settings: Settings, generated: str | None) -> None:
    if generated:
        click.secho(
            f"\nPlatform admin created: {settings.admin_email or DEFAULT_ADMIN_EMAIL}\n"
            f"Password (shown once, write it down): {generated}\n",
            fg="yellow",
        )


@cli.command()
@click.argument("name", type=click.Choice(sorted(WEB_APPS)))
def serve(name: str) -> None:
    """Replace this process with gunicorn serving NAME on its port."""
    settings = load_settings()
    metrics_dir = settings.data_dir / "run" / "metrics" / name
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:tsunagu.gunicorn_conf",
        "--bind",
        f"{settings.host}:{settings.service_port(name)}",
        "--workers",
        str(settings.web_workers),
        "--threads",
        str(settings.web_threads),
        "--name",
        f"tsunagu-{name}",
        "--chdir",
        str(ROOT),
        WEB_APPS[name],
    ]
    os.execv(sys.executable, argv)


@cli.command()
@click.argument("service", type=click.Choice(sorted(WORKERS)))
def worker(service: str) -> None:
    """Run SERVICE's outbox relay, event consumer and periodic jobs until SIGTERM."""
    module_name, _, attribute = WORKERS[service].partition(":")
    definition = getattr(importlib.import_module(module_name), attribute)
    raise SystemExit(definition.run_worker())


@cli.command()
@click.argument("name", type=click.Choice(sorted(WEB_APPS)))
def embedded(name: str) -> None:
    """Serve NAME with waitress and, for a service, run its worker beside it (one process)."""
    from tsunagu.embedded import run_embedded

    raise SystemExit(run_embedded(name))


@cli.command()
def run() -> None:
    """Bootstrap, then run the whole stack under the supervisor; seed the demo on first start."""
    from tsunagu.runner import run_stack

    run_stack(load_settings())  # replaces this process with `supervise`


@cli.command(hidden=True)
def supervise() -> None:
    """The supervisor `run` becomes once bootstrapped."""
    from tsunagu.runner import supervise as run_supervisor

    raise SystemExit(run_supervisor(load_settings()))


@cli.command("seed-demo")
def seed_demo_command() -> None:
    """Seed the demo through the running gateway (once; later runs print the logins)."""
    from tsunagu.runner import seed_demo_once

    raise SystemExit(seed_demo_once(load_settings()))


@cli.group()
def dlq() -> None:
    """Dead-lettered events."""


@dlq.command("list")
@click.option("--limit", default=20)
def dlq_list(limit: int) -> None:
    from common.messaging.deadletter import list_dead_letters

    settings = load_settings()
    for item in list_dead_letters(settings.broker_url, settings.broker_namespace, limit):
        click.echo(item)


@dlq.command("replay")
def dlq_replay() -> None:
    from common.messaging.deadletter import replay_dead_letters

    settings = load_settings()
    count = replay_dead_letters(settings.broker_url, settings.broker_namespace)
    click.echo(f"replayed {count} event(s)")


@cli.command("reports-rebuild")
def reports_rebuild() -> None:
    """Recompute the reports read model from its stored events (identical results)."""
    from services.reports.cli import rebuild_command

    raise SystemExit(rebuild_command())


def main() -> int:
    cli(prog_name="tsunagu")
    return 0
