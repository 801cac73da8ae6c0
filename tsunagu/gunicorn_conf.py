"""gunicorn settings shared by every Tsunagu web process (see ``tsunagu serve``)."""

from __future__ import annotations

import os
from typing import Any

worker_class = "gthread"
graceful_timeout = 10
timeout = 60
keepalive = 5  # the gateway's pooled connections stay warm between requests


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
