"""``application/problem+json`` answers (RFC 9457) with field-level ``errors``."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from common.errors import DomainError, FieldError, TooManyRequests, ValidationFailed

PROBLEM_MIME = "application/problem+json"
TYPE_BASE = "https://tsunagu.example/problems/"
log = logging.getLogger(__name__)


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    code: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (code or str(status)),
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if code:
        body["code"] = code
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIME)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def domain_error_response(error: DomainError) -> Response:
    headers = {}
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(error.retry_after)
    return problem_response(
        error.status,
        error.title,
        error.detail,
        code=error.code,
        errors=error.errors if isinstance(error, ValidationFailed) else None,
        headers=headers,
    )


def register_problem_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        return domain_error_response(error)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        response = problem_response(status, error.name, error.description, code=str(status))
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error", extra={"error_type": type(error).__name__})
        return problem_response(500, "Internal server error", "The server failed to answer.")
