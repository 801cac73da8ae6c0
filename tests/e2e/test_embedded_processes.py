"""The embedded mode as ``make run`` runs it: one process per service (its web app and its
worker together, ``tsunagu embedded``) under the supervisor (``tsunagu run``)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.config import SERVICES
from common.http.client import ServiceClient, UpstreamTimeout, UpstreamUnavailable
from tests.e2e.conftest import STACK_SERVICES
from tests.e2e.referrals_world import referral_world
from tests.e2e.stack import Stack, make_run
from tests.support.waiting import wait_for

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
    with make_run(tmp_path, demo=False) as run:
        # `run` bootstrapped, then became the supervisor: same pid, one child per process.
        assert "tsunagu supervise" in _cmdline(run.process.pid)
        children = {_cmdline(pid).split()[-1]: pid for pid in _children(run.process.pid)}
        assert sorted(children) == sorted(["gateway", *SERVICES])

        os.kill(children["cases"], signal.SIGKILL)
        wait_for(lambda: not _ready(run.url("cases")), timeout=10, what="cases down")
        wait_for(lambda: _ready(run.url("cases")), timeout=60, what=f"cases back\n{run.output()}")
        assert "restarting in" in run.output()
        assert _alive(children["auth"])  # the others went on

        everyone = [run.process.pid, *_children(run.process.pid)]
        os.kill(run.process.pid, signal.SIGINT)
        run.process.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(_alive(p) for p in everyone) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in everyone if _alive(p)], "orphans left behind"
