"""``make run``: bootstrap, then every Procfile process under honcho; on the first start,
seed the demo through the gateway once it is ready.

honcho starts each process in its own process group and, on Ctrl-C or SIGTERM, signals
every group and kills what is left after a grace period: no orphans.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import click
from honcho.environ import parse_procfile
from honcho.manager import Manager

from common.config import PORT_OFFSETS, Settings
from common.http.client import ServiceClient, UpstreamTimeout, UpstreamUnavailable
from tsunagu.bootstrap import announce_admin, bootstrap_all
from tsunagu.registry import ROOT

READY_TIMEOUT = 120.0


def process_environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(ROOT) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env["PYTHONUNBUFFERED"] = "1"
    env["TSUNAGU_DATA_DIR"] = str(settings.data_dir)
    env.setdefault("TSUNAGU_LOG_FORMAT", "text")
    return env


def wait_until_ready(settings: Settings, timeout: float = READY_TIMEOUT) -> bool:
    """True once the gateway and every service answer /readyz with 200."""
    clients = [ServiceClient(settings.service_url(name), timeout=2.0) for name in PORT_OFFSETS]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if all(c.request("GET", "/readyz").status == 200 for c in clients):
                return True
        except (UpstreamUnavailable, UpstreamTimeout):
            pass
        time.sleep(0.25)
    return False


def _after_start(settings: Settings, started: float, admin_password: str | None) -> None:
    if not wait_until_ready(settings):
        click.secho("Tsunagu did not become ready in time; see the logs above.", fg="red")
        return
    elapsed = time.monotonic() - started
    if settings.demo:
        from tsunagu.demo import seed_demo

        seeding = time.monotonic()
        try:
            banner = seed_demo(settings, admin_password)
        except Exception as exc:  # the stack keeps running; the operator sees why
            click.secho(f"Demo seeding failed: {exc!r}", fg="red")
            banner = None
        if banner:
            click.echo(banner + f"  (demo ready in {time.monotonic() - seeding:.1f} s)\n")
    click.secho(
        f"\nTsunagu is ready at {settings.public_url} (started in {elapsed:.1f} s). "
        "Ctrl-C stops everything.\n",
        fg="green",
    )


def run_stack(settings: Settings) -> int:
    started = time.monotonic()
    generated = bootstrap_all(settings)
    announce_admin(settings, generated)
    procfile = parse_procfile((ROOT / "Procfile").read_text())
    env = process_environment(settings)
    manager = Manager()
    for name, command in procfile.processes.items():
        manager.add_process(name, command, env=env, cwd=str(ROOT))
    threading.Thread(
        target=_after_start,
        args=(settings, started, settings.admin_password or generated),
        daemon=True,
    ).start()
    manager.loop()
    return manager.returncode or 0
