"""``python -m tsunagu embedded NAME``: one process per service for the embedded mode.

Server mode runs a service as two kinds of process — gunicorn web workers and a separate
worker (relay, consumer, periodic jobs) — so each can be scaled and restarted on its own.
On a laptop that costs a Python interpreter per role (and a gunicorn master per service):
~1 GiB for the stack. Here the web app is served by waitress' thread pool and the worker's
threads run beside it, in one interpreter sharing one engine: the same code, the same
processes boundaries between services, a fraction of the memory.

Waitress rather than the gunicorn master: gunicorn cannot run without forking a worker per
app, and a forked copy is exactly the cost this mode avoids.
"""

from __future__ import annotations

import importlib
import logging
import signal
import threading
from types import FrameType
from typing import Any

from common.config import SERVICES, Settings, load_settings
from common.logging import configure_logging
from tsunagu.registry import WEB_APPS

logger = logging.getLogger(__name__)

CONNECTION_LIMIT = 200
"""Waitress refuses more simultaneous connections than this (its default is 100); the
gateway's pools to the services stay well under it."""


def _load(target: str) -> Any:
    """``module:attribute`` or ``module:factory()``, as the registry spells them."""
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    if attribute.endswith("()"):
        return getattr(module, attribute[:-2])()
    return getattr(module, attribute)


def run_embedded(name: str, settings: Settings | None = None) -> int:
    """Serve NAME's web app and, for a service, run its worker, until SIGTERM/SIGINT.
    Exits 1 if a part crashed, so the supervisor restarts the process."""
    from waitress import create_server

    settings = settings or load_settings()
    configure_logging(name, settings.log_level, settings.log_format)
    stop = threading.Event()
    worker_parts = None
    if name in SERVICES:
        definition = _load(f"services.{name}:SERVICE")
        runtime = definition.runtime(settings)
        app = definition.app_for(runtime)
        worker_parts = definition.worker_parts(runtime)
    else:
        app = _load(WEB_APPS[name])
    server = create_server(
        app,
        host=settings.host,
        port=settings.service_port(name),
        threads=max(4, settings.web_workers * settings.web_threads),
        connection_limit=CONNECTION_LIMIT,
        ident=f"tsunagu-{name}",
        clear_untrusted_proxy_headers=True,
        # waitress buffers a body before calling the app: past the largest limit it answers
        # 413 itself; below it common.http.bodylimit answers with a problem document.
        max_request_body_size=max(settings.max_body_bytes, settings.max_import_bytes),
    )
    crashed: list[str] = []

    def serve() -> None:
        try:
            server.run()
        except Exception:
            if not stop.is_set():
                logger.exception("web server crashed", extra={"app": name})
                crashed.append("web")
        finally:
            stop.set()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("stopping on signal", extra={"app": name, "signal": signum})
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    web = threading.Thread(target=serve, name=f"{name}:web", daemon=True)
    web.start()
    logger.info("embedded process started", extra={"app": name, "port": server.effective_port})

    code = 0
    if worker_parts is not None:
        from common.messaging.worker import run_worker

        # run_worker waits on its own stop event; a stopped web server or a signal ends it.
        code = run_worker(
            name=f"{name}-worker",
            relay=worker_parts.relay,
            consumer=worker_parts.consumer,
            periodic=worker_parts.periodic,
            stop=stop,
        )
    else:
        stop.wait()
    stop.set()
    # Stop accepting, let running requests finish (up to 5 s); idle keep-alive connections
    # would hold waitress' loop open, and the process is ending anyway.
    server.close()
    server.task_dispatcher.shutdown(timeout=5)
    web.join(1)
    return 1 if crashed else code
