"""A whole Tsunagu stack of real processes on free loopback ports, for end-to-end tests,
browser tests and benchmarks — embedded (SQLite + SQLite broker) or server mode
(fresh PostgreSQL databases and a private RabbitMQ namespace, removed afterwards)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import sqlalchemy as sa

from common.config import PORT_OFFSETS, SERVICES
from common.db import make_engine
from common.http.client import ServiceClient, UpstreamTimeout, UpstreamUnavailable
from common.testing.databases import postgres_database, unique_name
from tsunagu.demo.client import GatewayClient
from tsunagu.registry import ROOT

ADMIN_EMAIL = "admin@e2e.example"
ADMIN_PASSWORD = "e2e-platform-admin-passphrase"


def free_port_block(size: int = len(PORT_OFFSETS)) -> int:
    """A base port such that base..base+size-1 are all free right now."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + size >= 65000:
            continue
        sockets = []
        try:
            for offset in range(size):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free port block")


class Stack:
    def __init__(
        self,
        workdir: Path,
        *,
        server: tuple[str, str] | None = None,
        extra_env: dict[str, str] | None = None,
        services: tuple[str, ...] = SERVICES,
        combined: bool = False,
    ) -> None:
        """``combined``: one process per service (``tsunagu embedded``), as ``make run``
        runs the embedded mode; otherwise a web process and a worker each, as server mode."""
        self.services = services
        self.combined = combined
        self.workdir = workdir
        self.server = server
        self.extra_env = extra_env or {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: dict[str, IO[bytes]] = {}
        self._exit = ExitStack()
        self.env: dict[str, str] = {}
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> Stack:
        try:
            self._configure()
            self.bootstrap()
            for name in self.process_names():
                self.start_process(name)
            self.wait_ready()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _configure(self) -> None:
        self.port = free_port_block()
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TSUNAGU_") or k.startswith("TSUNAGU_TEST_")
        }
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "PYTHONUNBUFFERED": "1",
                "TSUNAGU_PORT": str(self.port),
                "TSUNAGU_DATA_DIR": str(data),
                "TSUNAGU_ADMIN_EMAIL": ADMIN_EMAIL,
                "TSUNAGU_ADMIN_PASSWORD": ADMIN_PASSWORD,
                "TSUNAGU_DEMO": "0",
                "TSUNAGU_WEB_WORKERS": "1",
                "TSUNAGU_WEB_THREADS": "4",
                "TSUNAGU_ARGON2_TIME_COST": "1",
                "TSUNAGU_ARGON2_MEMORY_KIB": "1024",
                "TSUNAGU_SESSION_CACHE_SECONDS": "0.5",
                "TSUNAGU_BROKER_VISIBILITY_TIMEOUT": "5",
                "TSUNAGU_LOG_FORMAT": "json",
                "TSUNAGU_LOG_LEVEL": "INFO",
            }
        )
        if self.server:
            database_url, broker_url = self.server
            for service in SERVICES:
                url = self._exit.enter_context(postgres_database(database_url, f"e2e_{service}"))
                env[f"TSUNAGU_{service.upper()}_DATABASE_URL"] = url
            env["TSUNAGU_BROKER_URL"] = broker_url
            namespace = unique_name("e2e")
            env["TSUNAGU_BROKER_NAMESPACE"] = namespace
            self._exit.callback(_delete_namespace, broker_url, namespace)
        env.update(self.extra_env)
        self.env = env

    def bootstrap(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "tsunagu", "bootstrap", *self.services],
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=180,
        )

    def process_names(self) -> list[str]:
        if self.combined:
            return ["gateway", *self.services]
        return ["gateway", *self.services, *(f"{s}-worker" for s in self.services)]

    def command(self, name: str) -> list[str]:
        if self.combined:
            return [sys.executable, "-m", "tsunagu", "embedded", name]
        if name.endswith("-worker"):
            return [sys.executable, "-m", "tsunagu", "worker", name.removesuffix("-worker")]
        return [sys.executable, "-m", "tsunagu", "serve", name]

    def start_process(self, name: str) -> None:
        log = self._logs.get(name)
        if log is None:
            log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the process
            self._logs[name] = log
        self.processes[name] = subprocess.Popen(
            self.command(name),
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def signal_process(self, name: str, sig: int) -> None:
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)

    def stop_process(self, name: str, *, kill: bool = False, timeout: float = 15) -> None:
        process = self.processes[name]
        self.signal_process(name, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal_process(name, signal.SIGKILL)
            process.wait(timeout=5)

    def close(self) -> None:
        for name in list(self.processes):
            if self.processes[name].poll() is None:
                self.signal_process(name, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, process in self.processes.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.signal_process(name, signal.SIGKILL)
                process.wait(timeout=5)
        for log in self._logs.values():
            log.close()
        self._exit.close()

    # --- access ------------------------------------------------------------------------

    def url(self, name: str = "gateway") -> str:
        return f"http://127.0.0.1:{self.port + PORT_OFFSETS[name]}"

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        # A partial stack (some services left out) has a gateway that is never "ready".
        partial = self.services != SERVICES
        pending = ["gateway", *self.services]
        while pending and time.monotonic() < deadline:
            name = pending[0]
            try:
                path = "/healthz" if partial and name == "gateway" else "/readyz"
                if ServiceClient(self.url(name), 2).request("GET", path).status == 200:
                    pending.pop(0)
                    continue
            except (UpstreamUnavailable, UpstreamTimeout):
                pass
            for process_name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{process_name} exited early:\n{self.log(process_name)}")
            time.sleep(0.2)
        if pending:
            raise RuntimeError(f"not ready: {pending}\n{self.log(pending[0])}")

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-5000:] if path.exists() else ""

    def client(self) -> GatewayClient:
        return GatewayClient(self.url("gateway"))

    def admin(self) -> GatewayClient:
        client = self.client()
        client.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        return client

    def database_url(self, service: str) -> str:
        return self.env.get(f"TSUNAGU_{service.upper()}_DATABASE_URL") or (
            f"sqlite:///{self.workdir / 'data' / (service + '.sqlite3')}"
        )

    @contextlib.contextmanager
    def database(self, service: str) -> Iterator[sa.Connection]:
        """A direct connection to a service's database — for assertions in tests only."""
        engine = make_engine(self.database_url(service))
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()


def _delete_namespace(broker_url: str, namespace: str) -> None:
    from kombu import Connection

    from common.messaging.topology import all_queues, dead_letter_exchange, events_exchange

    with Connection(broker_url, connect_timeout=5) as connection:
        channel = connection.channel()
        for queue in all_queues(namespace):
            with contextlib.suppress(Exception):
                channel.queue_delete(queue.name)
        for exchange in (events_exchange(namespace), dead_letter_exchange(namespace)):
            with contextlib.suppress(Exception):
                channel.exchange_delete(exchange.name)


def wait_for(predicate: object, timeout: float = 20, interval: float = 0.1) -> object:
    """Poll ``predicate()`` until it returns something truthy; return it or raise."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s (last: {last!r})")


@contextlib.contextmanager
def make_run(
    workdir: Path, *, demo: bool, timeout: float = 300, fast_passwords: bool = True
) -> Iterator[MadeRun]:
    """``python -m tsunagu run`` as a new user starts it (``make run``), on free ports and a
    scratch data folder; yields once the stack is ready (and, with ``demo``, seeded).
    ``fast_passwords`` makes password hashing cheap (tests); a measurement leaves it off."""
    port = free_port_block(100)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        TSUNAGU_PORT=str(port),
        TSUNAGU_DATA_DIR=str(workdir / "data"),
        TSUNAGU_DEMO="1" if demo else "0",
        TSUNAGU_ADMIN_PASSWORD=ADMIN_PASSWORD,
    )
    if fast_passwords:
        env.update(TSUNAGU_ARGON2_TIME_COST="1", TSUNAGU_ARGON2_MEMORY_KIB="1024")
    log = workdir / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tsunagu", "run"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    made = MadeRun(process, port, log, workdir / "data")
    try:
        deadline = time.monotonic() + timeout
        while b"is ready at" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"make run did not become ready:\n{made.output()[-5000:]}")
            time.sleep(0.5)
        yield made
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@dataclass(frozen=True)
class MadeRun:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    data_dir: Path

    def url(self, name: str = "gateway") -> str:
        return f"http://127.0.0.1:{self.port + PORT_OFFSETS[name]}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")
