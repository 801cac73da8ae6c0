"""``make run``: bootstrap, then every process of the stack under the supervisor
(tsunagu/supervisor.py); on the first start, seed the demo through the gateway once it is
ready.

Embedded mode runs one process per service (``tsunagu embedded NAME``: its web app and its
worker in one interpreter) plus the gateway. With server URLs set, the Procfile's processes
run instead — a web process and a worker per service, as docker-compose runs them.
Each child has its own process group; Ctrl-C or SIGTERM stops every group and kills what is
left after a grace period: no orphans.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

import click

from common.config import PORT_OFFSETS, SERVICES, Settings
from common.http.client import ServiceClient, UpstreamTimeout, UpstreamUnavailable
from tsunagu.bootstrap import announce_admin, bootstrap_all
from tsunagu.registry import LINE_SIMULATOR_PORT_VARIABLE, ROOT

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


SEED_PASSWORD_VARIABLE = "TSUNAGU_X_SEED_ADMIN_PASSWORD"  # noqa: S105 - a name, not a secret
"""The platform admin's password, handed from the bootstrapping launcher to the supervisor
(and from it to the demo seeder only) when the launcher generated it."""
STARTED_VARIABLE = "TSUNAGU_X_STARTED_AT"


def _after_start(settings: Settings, started: float, env: dict[str, str]) -> None:
    if not wait_until_ready(settings):
        click.secho("Tsunagu did not become ready in time; see the logs above.", fg="red")
        return
    elapsed = time.time() - started
    if settings.demo:
        # A child process: the seeder's imports would otherwise stay in the supervisor.
        subprocess.run(
            [sys.executable, "-m", "tsunagu", "seed-demo"], env=env, cwd=str(ROOT), check=False
        )
    click.secho(
        f"\nTsunagu is ready at {settings.public_url} (started in {elapsed:.1f} s). "
        "Ctrl-C stops everything.\n",
        fg="green",
    )


def seed_demo_once(settings: Settings) -> int:
    """``tsunagu seed-demo``: the demo data on the first start, the logins banner on every."""
    from tsunagu.demo import seed_demo

    seeding = time.monotonic()
    try:
        banner = seed_demo(settings, settings.admin_password)
    except Exception as exc:  # the stack keeps running; the operator sees why
        click.secho(f"Demo seeding failed: {exc!r}", fg="red")
        return 1
    if banner:
        click.echo(banner + f"  (demo ready in {time.monotonic() - seeding:.1f} s)\n")
    return 0


SIMULATOR_PORT_OFFSET = 99
"""With the demo, the LINE simulator listens on TSUNAGU_PORT + 99 (8099 by default)."""


def with_line_simulator(settings: Settings, env: dict[str, str]) -> None:
    """The demo's LINE desk needs a LINE platform: unless the operator named a real one
    (TSUNAGU_LINE_API_URL), ``make run`` starts the simulator and points the stack at it."""
    if "line" not in SERVICES or not settings.demo or env.get("TSUNAGU_LINE_API_URL"):
        return
    port = settings.port + SIMULATOR_PORT_OFFSET
    env["TSUNAGU_LINE_API_URL"] = f"http://127.0.0.1:{port}"
    env[LINE_SIMULATOR_PORT_VARIABLE] = str(port)


def stack_processes(settings: Settings) -> dict[str, list[str]]:
    """Name → argv of every process of the stack in this mode."""
    simulator = os.environ.get(LINE_SIMULATOR_PORT_VARIABLE)
    extra = (
        {"line-simulator": [sys.executable, "-m", "tsunagu", "line-simulator", "--port", simulator]}
        if simulator
        else {}
    )
    if settings.embedded:
        return {
            **{
                name: [sys.executable, "-m", "tsunagu", "embedded", name]
                for name in ("gateway", *SERVICES)
            },
            **extra,
        }
    processes = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, sep, command = line.partition(":")
        if not sep or name.strip().startswith("#"):
            continue
        argv = shlex.split(command)
        if argv and argv[0] == "python":
            argv[0] = sys.executable
        processes[name.strip()] = argv
    return {**processes, **extra}


def run_stack(settings: Settings) -> int:
    """Bootstrap (migrations, keys, the admin), then replace this process with the lean
    supervisor: what bootstrapping imported would otherwise stay resident all day."""
    started = time.time()
    generated = bootstrap_all(settings)
    announce_admin(settings, generated)
    env = process_environment(settings)
    with_line_simulator(settings, env)
    env[STARTED_VARIABLE] = str(started)
    if generated:
        env[SEED_PASSWORD_VARIABLE] = generated
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "tsunagu", "supervise"], env)


def supervise(settings: Settings) -> int:
    from tsunagu.supervisor import Supervisor

    env = dict(os.environ)
    started = float(env.pop(STARTED_VARIABLE, time.time()))
    seed_env = dict(env)
    generated = env.pop(SEED_PASSWORD_VARIABLE, None)
    seed_env.pop(SEED_PASSWORD_VARIABLE, None)
    if generated:
        seed_env["TSUNAGU_ADMIN_PASSWORD"] = generated
    supervisor = Supervisor(stack_processes(settings), env=env, cwd=str(ROOT))
    threading.Thread(target=_after_start, args=(settings, started, seed_env), daemon=True).start()
    return supervisor.run()
