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
line-simulator     a local stand-in for the LINE platform (docs/line-simulator.md)
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from pathlib import Path

import click

from common.config import SERVICES, load_settings
from tsunagu.bootstrap import announce_admin, bootstrap_all, ensure_sqlite_dir
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
        ensure_sqlite_dir(settings.database_url(service))
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


@cli.command()
@click.argument("services", nargs=-1, type=click.Choice(SERVICES))
def bootstrap(services: tuple[str, ...]) -> None:
    """Keys, broker, migrations (of SERVICES, all by default) and the platform admin.
    Idempotent."""
    settings = load_settings()
    generated = bootstrap_all(settings, services or SERVICES)
    announce_admin(settings, generated)


@cli.command()
@click.argument("name", type=click.Choice(sorted(WEB_APPS)))
def serve(name: str) -> None:
    """Replace this process with gunicorn serving NAME on its port."""
    from tsunagu.runtime import metrics_dir

    settings = load_settings()
    # Memory-mapped: off the data disk, where a full disk would SIGBUS the workers.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir(settings, name))
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


@cli.command("line-simulator")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="TSUNAGU_LINESIM_HOST")
@click.option("--port", default=8099, show_default=True, envvar="TSUNAGU_LINESIM_PORT")
@click.option(
    "--channel-secret",
    envvar="TSUNAGU_LINESIM_CHANNEL_SECRET",
    default="linesim-channel-secret",
    show_default=True,
    help="Signs every webhook (X-Line-Signature).",
)
@click.option(
    "--channel-access-token",
    envvar="TSUNAGU_LINESIM_CHANNEL_ACCESS_TOKEN",
    default="linesim-channel-access-token",
    show_default=True,
    help="The bearer token the Messaging API accepts.",
)
@click.option(
    "--webhook-url",
    envvar="TSUNAGU_LINESIM_WEBHOOK_URL",
    default="",
    help="Where users' events go, e.g. http://127.0.0.1:8000/line/webhook/<channel id> "
    "(or set later with PUT /_sim/settings).",
)
@click.option(
    "--bot-user-id",
    envvar="TSUNAGU_LINESIM_BOT_USER_ID",
    default="U" + "0" * 31 + "1",
    show_default=True,
    help="The bot's user id, sent as the webhook's destination.",
)
@click.option(
    "--monthly-limit",
    envvar="TSUNAGU_LINESIM_MONTHLY_LIMIT",
    default=200,
    show_default=True,
    type=click.IntRange(min=0),
    help="Push messages a month before 429 (the free plan has 200).",
)
def line_simulator(
    host: str,
    port: int,
    channel_secret: str,
    channel_access_token: str,
    webhook_url: str,
    bot_user_id: str,
    monthly_limit: int,
) -> None:
    """Play the LINE platform: Messaging API endpoints and a page to act as LINE users."""
    from werkzeug.serving import make_server

    from tsunagu.linesim import SimulatorConfig, create_app

    app = create_app(
        SimulatorConfig(
            channel_secret, channel_access_token, webhook_url, bot_user_id, monthly_limit
        )
    )
    server = make_server(host, port, app, threaded=True)
    click.echo(f"LINE simulator on http://{host}:{port}/ → webhook {webhook_url}")
    server.serve_forever()


def main() -> int:
    cli(prog_name="tsunagu")
    return 0
