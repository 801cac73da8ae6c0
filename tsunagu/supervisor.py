"""The supervisor of ``make run``: starts every process of the stack, prefixes and relays
their output, restarts one that dies (with backoff) and stops them all on Ctrl-C/SIGTERM.

It imports nothing of Tsunagu's services and starts its children with ``subprocess``
rather than forking itself, so it costs the stack one small interpreter — honcho forked a
copy of the launcher (~10 MiB PSS each) per process. A crashed process is restarted, not
the whole stack stopped: the others' work goes on, and the outbox and the broker hold what
the crashed one has not done yet.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import IO

GRACE_SECONDS = 10.0
"""How long a stopping process may take before it is killed."""
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 30.0
STABLE_SECONDS = 60.0
"""A process that ran this long before dying is restarted at once, as if for the first time."""

_COLOURS = ("36", "33", "32", "35", "34", "31", "96", "93")


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    colour: str
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    backoff: float = BACKOFF_FIRST
    restart_at: float | None = None
    restarts: int = field(default=0)


class Supervisor:
    def __init__(
        self,
        processes: Mapping[str, Sequence[str]],
        *,
        env: Mapping[str, str],
        cwd: str,
        out: IO[str] | None = None,
        colour: bool | None = None,
    ) -> None:
        self.children = [
            Child(name, argv, _COLOURS[i % len(_COLOURS)])
            for i, (name, argv) in enumerate(processes.items())
        ]
        self.env = dict(env)
        self.cwd = cwd
        self.out = out or sys.stdout
        self.colour = self.out.isatty() if colour is None else colour
        self.width = max((len(c.name) for c in self.children), default=0)
        self.stopping = threading.Event()
        self._write_lock = threading.Lock()

    # --- output -----------------------------------------------------------------------------

    def say(self, child: Child | None, line: str) -> None:
        name = (child.name if child else "supervisor").ljust(self.width)
        prefix = f"{time.strftime('%H:%M:%S')} {name} | "
        if self.colour and child is not None:
            prefix = f"\033[{child.colour}m{prefix}\033[0m"
        with self._write_lock:
            self.out.write(prefix + line.rstrip("\n") + "\n")
            self.out.flush()

    def _relay(self, child: Child, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self.say(child, raw.decode("utf-8", errors="replace"))
        stream.close()

    # --- processes ----------------------------------------------------------------------------

    def start(self, child: Child) -> None:
        child.process = subprocess.Popen(
            list(child.argv),
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: a signal reaches its children too
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        assert child.process.stdout is not None
        threading.Thread(
            target=self._relay, args=(child, child.process.stdout), daemon=True
        ).start()
        self.say(child, f"started (pid {child.process.pid})")

    def _signal(self, child: Child, signum: int) -> None:
        if child.process is not None and child.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signum)

    def check(self, now: float) -> None:
        """Restart the processes that died, each after its backoff."""
        for child in self.children:
            if child.process is None:
                continue
            code = child.process.poll()
            if code is None:
                continue
            if child.restart_at is None:
                ran = now - child.started_at
                if ran >= STABLE_SECONDS:
                    child.backoff = BACKOFF_FIRST
                delay = child.backoff
                child.backoff = min(child.backoff * 2, BACKOFF_MAX)
                child.restart_at = now + delay
                self.say(child, f"exited ({code}) after {ran:.1f} s; restarting in {delay:.1f} s")
            elif now >= child.restart_at:
                child.restarts += 1
                self.start(child)

    def stop(self) -> None:
        self.stopping.set()
        for child in self.children:
            self._signal(child, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(child, "did not stop in time; killed")
                self._signal(child, signal.SIGKILL)
                child.process.wait(timeout=5)

    def run(self) -> int:
        """Until SIGINT/SIGTERM; returns 0 after a clean stop."""

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            self.stopping.set()

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in self.children:
                self.start(child)
            while not self.stopping.wait(0.2):
                self.check(time.monotonic())
        finally:
            self.say(None, "stopping every process")
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return 0
