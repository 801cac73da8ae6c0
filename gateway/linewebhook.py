"""``POST /line/webhook/<channel id>``: the LINE platform's way in, outside ``/api/v1``.

No session, no CSRF, no principal: LINE signs the body instead, and the line service checks
that signature over the exact bytes. So the gateway forwards the raw body untouched (LINE
escapes emoji as \\uXXXX; any re-serialising would break the signature), with only the
headers the check needs, and refuses a body over 1 MiB without reading all of it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from common.http.client import UpstreamTimeout, UpstreamUnavailable
from common.http.metrics import LATENCY, REQUESTS
from common.requestctx import REQUEST_ID_HEADER, accept_request_id, current_request_id
from gateway.api import Reply, _phrase, upstream_problem
from gateway.upstreams import Upstreams

PREFIX = "/line/webhook/"
MAX_BODY_BYTES = 1024 * 1024
_CHANNEL = re.compile(r"^/line/webhook/([0-9a-fA-F-]{36})$")
StartResponse = Callable[..., Any]


class LineWebhookForwarder:
    def __init__(self, upstreams: Upstreams) -> None:
        self.upstreams = upstreams

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = accept_request_id(environ.get("HTTP_X_REQUEST_ID"))
        token = current_request_id.set(request_id)
        try:
            reply = self.forward(environ)
        finally:
            current_request_id.reset(token)
        headers = [*reply.headers, (REQUEST_ID_HEADER, request_id)]
        headers.append(("Content-Length", str(len(reply.body))))
        start_response(f"{reply.status} {_phrase(reply.status)}", headers)
        REQUESTS.labels("gateway", "line.webhook", "POST", str(reply.status)).inc()
        LATENCY.labels("gateway", "line.webhook").observe(time.perf_counter() - started)
        return [reply.body]

    def forward(self, environ: dict[str, Any]) -> Reply:
        match = _CHANNEL.match(environ.get("PATH_INFO", ""))
        if match is None:
            return Reply.problem(404, "Not found", "No such webhook", "not_found")
        if environ.get("REQUEST_METHOD", "GET").upper() != "POST":
            reply = Reply.problem(405, "Method not allowed", "LINE posts webhooks.", "405")
            reply.headers.append(("Allow", "POST"))
            return reply
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return Reply.problem(400, "Bad request", "Bad Content-Length", "bad_request")
        if length > MAX_BODY_BYTES:
            return Reply.problem(413, "Payload too large", "Over 1 MiB.", "body_too_large")
        body = bytes(environ["wsgi.input"].read(length)) if length else b""
        headers = {"Content-Type": environ.get("CONTENT_TYPE") or "application/json"}
        signature = environ.get("HTTP_X_LINE_SIGNATURE")
        if signature:
            headers["X-Line-Signature"] = signature
        try:
            upstream = self.upstreams.client("line").request(
                "POST", f"/line/webhook/{match.group(1)}", body=body, headers=headers
            )
        except (UpstreamUnavailable, UpstreamTimeout) as exc:
            return upstream_problem("line", exc)
        return Reply.passthrough(upstream)
