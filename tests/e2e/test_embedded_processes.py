"""The embedded mode as ``make run`` runs it: one process per service (its web app and its
worker together, ``tsunagu embedded``) under the supervisor (``tsunagu run``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.config import SERVICES
from common.http.client import ServiceClient, UpstreamTimeout, UpstreamUnavailable
from tests.e2e.conftest import STACK_SERVICES
from tests.e2e.referrals_world import referral_world
from tests.e2e.stack import Stack, free_port_block
from tests.support.waiting import wait_for
from tsunagu.registry import ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def combined_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if STACK_SERVICES != SERVICES:
        pytest.skip("needs every service")
    with Stack(tmp_path_factory.mktemp("combined"), combined=True) as running:
        yield running


def test_one_process_per_service_relays_and_consumes_events(combined_stack: Stack) -> None:
    """Referrals' outbox reaches cases' consumer: both workers run inside their web process."""
    assert sorted(combined_stack.processes) == sorted(["gateway", *SERVICES])
    setup = referral_world(combined_stack)
    case_id, consent_id = setup.case_with_consent()
    sent = setup.send(case_id, consent_id)
    setup.receiver.post(f"/referrals/{sent['id']}/accept", {})
    linked = wait_for(
        lambda: setup.receiver.get(f"/referrals/{sent['id']}").get("linked_case_id"),
        timeout=30,
        what="the linked case",
    )
    assert setup.receiver.get(f"/cases/{linked}")["origin_referral_id"] == sent["id"]


def _ready(url: str) -> bool:
    try:
        return ServiceClient(url, 2).request("GET", "/readyz").status == 200
    except (UpstreamUnavailable, UpstreamTimeout):
        return False


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    return (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")).decode()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_make_run_supervises_restarts_a_crashed_service_and_stops_everything(
    tmp_path: Path,
) -> None:
    if STACK_SERVICES != SERVICES:
        pytest.skip("needs every service")
    port = free_port_block()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env.update(
        PYTHONPATH=str(ROOT),
        TSUNAGU_PORT=str(port),
        TSUNAGU_DATA_DIR=str(tmp_path / "data"),
        TSUNAGU_DEMO="0",
        TSUNAGU_ADMIN_PASSWORD="e2e-supervisor-password-1",
        TSUNAGU_ARGON2_TIME_COST="1",
        TSUNAGU_ARGON2_MEMORY_KIB="1024",
    )
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        run = subprocess.Popen(
            [sys.executable, "-m", "tsunagu", "run"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        gateway = f"http://127.0.0.1:{port}"
        wait_for(lambda: _ready(gateway), timeout=120, what=f"readiness\n{log.read_text()}")
        # `run` bootstrapped, then became the supervisor: same pid, one child per process.
        assert "tsunagu supervise" in _cmdline(run.pid)
        children = {_cmdline(pid).split()[-1]: pid for pid in _children(run.pid)}
        assert sorted(children) == sorted(["gateway", *SERVICES])

        os.kill(children["cases"], signal.SIGKILL)
        cases_url = f"http://127.0.0.1:{port + 2}"
        wait_for(lambda: not _ready(cases_url), timeout=10, what="cases down")
        wait_for(lambda: _ready(cases_url), timeout=60, what=f"cases back\n{log.read_text()}")
        assert "restarting in" in log.read_text()
        assert _alive(children["auth"])  # the others went on

        everyone = [run.pid, *_children(run.pid)]
        os.kill(run.pid, signal.SIGINT)
        run.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(_alive(p) for p in everyone) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in everyone if _alive(p)], "orphans left behind"
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
