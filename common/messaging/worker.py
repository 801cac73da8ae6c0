"""The worker process of a service: its outbox relay, its event consumer and its periodic
tasks, each in a thread, stopped together on SIGTERM/SIGINT.

A service's ``worker.py`` builds the pieces from its settings and calls :func:`run_worker`;
the Procfile runs that module. Threads rather than processes: the work is I/O-bound, and one
process per service keeps the embedded mode's process count small.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from types import FrameType

from common.logging import configure_logging
from common.messaging.consumer import EventConsumer
from common.messaging.relay import OutboxRelay

logger = logging.getLogger(__name__)

JOIN_TIMEOUT_SECONDS = 30.0
"""How long a clean stop waits for a thread to finish the message it is handling."""


@dataclass(frozen=True)
class PeriodicTask:
    """``run`` every ``interval_seconds`` (first run after one interval). A failing run is
    logged and tried again at the next interval; it does not stop the worker."""

    name: str
    interval_seconds: float
    run: Callable[[], None]


def _periodic_loop(task: PeriodicTask, stop: threading.Event) -> None:
    while not stop.wait(task.interval_seconds):
        try:
            task.run()
        except Exception:
            logger.exception("periodic task failed", extra={"task": task.name})


def run_worker(
    *,
    name: str,
    relay: OutboxRelay | None,
    consumer: EventConsumer | None,
    periodic: Sequence[PeriodicTask] = (),
    stop: threading.Event | None = None,
) -> int:
    """Run until SIGTERM/SIGINT (or until a part dies); return the process exit code:
    0 after a clean stop, 1 if a part crashed (the supervisor should restart the worker).

    A caller that passes ``stop`` owns the signals (the embedded process, whose web server
    shares the event): a crashed part sets it, and setting it stops the worker.

    Logs JSON to stderr through :mod:`common.logging`, configuring it if nobody has."""
    if not logging.getLogger().handlers:  # the service's main did not configure logging
        configure_logging(f"{name}-worker")
    owns_signals = stop is None
    stop = stop or threading.Event()
    crashed: list[str] = []

    def guarded(part: str, target: Callable[[threading.Event], None]) -> Callable[[], None]:
        def body() -> None:
            try:
                target(stop)
            except BaseException:
                logger.exception("worker part crashed", extra={"worker": name, "part": part})
                crashed.append(part)
                stop.set()

        return body

    parts: list[tuple[str, Callable[[threading.Event], None]]] = []
    if relay is not None:
        parts.append(("relay", relay.run))
    if consumer is not None:
        parts.append(("consumer", consumer.run))
    for task in periodic:
        parts.append((f"periodic:{task.name}", partial(_periodic_loop, task)))
    if not parts:
        logger.warning("worker has nothing to run", extra={"worker": name})
        if not owns_signals:  # the caller's other parts (a web server) go on until stopped
            stop.wait()
        return 0

    previous = _install_signal_handlers(stop, name) if owns_signals else {}
    threads = [
        threading.Thread(target=guarded(part, target), name=f"{name}:{part}", daemon=True)
        for part, target in parts
    ]
    logger.info("worker started", extra={"worker": name, "parts": [p for p, _ in parts]})
    try:
        for thread in threads:
            thread.start()
        while not stop.is_set():
            stop.wait(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(JOIN_TIMEOUT_SECONDS)
        stuck = [t.name for t in threads if t.is_alive()]
        _restore_signal_handlers(previous)
    if stuck:
        logger.error("worker parts did not stop in time", extra={"worker": name, "parts": stuck})
    code = 1 if crashed or stuck else 0
    logger.info("worker stopped", extra={"worker": name, "exit_code": code})
    return code


_Handler = Callable[[int, FrameType | None], object] | int | None


def _install_signal_handlers(stop: threading.Event, name: str) -> dict[int, _Handler]:
    """Only the main thread may install handlers; elsewhere (tests) the caller stops us."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("stopping on signal", extra={"worker": name, "signal": signum})
        stop.set()

    previous: dict[int, _Handler] = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.getsignal(signum)
        signal.signal(signum, on_signal)
    return previous


def _restore_signal_handlers(previous: dict[int, _Handler]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
