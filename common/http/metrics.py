"""Prometheus metrics. Under gunicorn the launcher sets PROMETHEUS_MULTIPROC_DIR so
every worker's counts are summed into one ``/metrics`` answer."""

from __future__ import annotations

import os

from flask import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "tsunagu_http_requests_total", "HTTP requests answered", ["app", "endpoint", "method", "status"]
)
LATENCY = Histogram(
    "tsunagu_http_request_seconds",
    "HTTP request latency",
    ["app", "endpoint"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def metrics_response() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        payload = generate_latest(registry)
    else:
        payload = generate_latest()
    return Response(payload, mimetype=CONTENT_TYPE_LATEST)
