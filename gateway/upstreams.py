"""One keep-alive client per service, and the 502/504 answer when one is down."""

from __future__ import annotations

import logging

from flask import Response

from common.config import SERVICES, Settings
from common.http.client import ServiceClient, UpstreamTimeout
from common.http.problems import problem_response

log = logging.getLogger(__name__)


class Upstreams:
    def __init__(self, settings: Settings) -> None:
        timeout = settings.upstream_timeout_seconds
        self._clients = {s: ServiceClient(settings.service_url(s), timeout) for s in SERVICES}

    def client(self, service: str) -> ServiceClient:
        return self._clients[service]


def upstream_error_response(service: str, error: Exception) -> Response:
    if isinstance(error, UpstreamTimeout):
        log.warning("upstream timed out", extra={"service": service})
        return problem_response(
            504,
            "Gateway timeout",
            f"The {service} service did not answer in time.",
            code="upstream_timeout",
        )
    log.warning("upstream unavailable", extra={"service": service, "error": type(error).__name__})
    return problem_response(
        502, "Bad gateway", f"The {service} service is not reachable.", code="upstream_unavailable"
    )
