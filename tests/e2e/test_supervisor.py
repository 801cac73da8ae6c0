"""The supervisor on small stand-in processes: output, restarts with backoff, stopping."""

from __future__ import annotations

import io
import sys
import time

import pytest

from tsunagu import supervisor as supervisor_module
from tsunagu.supervisor import Supervisor

pytestmark = pytest.mark.e2e

PY = sys.executable


def test_output_is_prefixed_and_a_crash_restarts_only_that_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(supervisor_module, "BACKOFF_FIRST", 0.2)
    out = io.StringIO()
    sup = Supervisor(
        {
            "steady": [PY, "-c", "import time; print('up', flush=True); time.sleep(60)"],
            "crashy": [PY, "-c", "print('boom', flush=True); raise SystemExit(3)"],
        },
        env={"PATH": "/usr/bin:/bin"},
        cwd="/",
        out=out,
        colour=False,
    )
    for child in sup.children:
        sup.start(child)
    steady, crashy = sup.children
    try:
        deadline = time.monotonic() + 20
        while crashy.restarts < 2 and time.monotonic() < deadline:
            sup.check(time.monotonic())
            time.sleep(0.05)
        assert crashy.restarts >= 2
        assert crashy.backoff > supervisor_module.BACKOFF_FIRST  # it backs off
        assert steady.process is not None
        assert steady.process.poll() is None
        assert steady.restarts == 0
    finally:
        sup.stop()
    text = out.getvalue()
    assert "steady | up" in text
    assert "crashy | boom" in text
    assert "exited (3)" in text


def test_stop_kills_a_process_that_ignores_sigterm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervisor_module, "GRACE_SECONDS", 1.0)
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    out = io.StringIO()
    sup = Supervisor({"stubborn": [PY, "-c", stubborn]}, env={}, cwd="/", out=out, colour=False)
    (child,) = sup.children
    sup.start(child)
    deadline = time.monotonic() + 10
    while "ready" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    began = time.monotonic()
    sup.stop()
    assert child.process is not None
    assert child.process.poll() is not None
    assert time.monotonic() - began < 8
    assert "killed" in out.getvalue()
