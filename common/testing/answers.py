"""Checks every success answer a service test receives against the model its operation
declares (``endpoint(response=...)``): the fuzz tier sees mostly refusals, the service tests
reach the answers with real content (a case with records, a packet, an import preview)."""

from __future__ import annotations

from flask import Flask, Response, request
from pydantic import ValidationError

from common.http.openapi import endpoint_meta


def check_declared_answers(app: Flask) -> list[str]:
    """Record, for each 2xx JSON answer that does not match its declared model, the request
    and the mismatch; the caller fails the test when the list is not empty."""
    mismatches: list[str] = []

    @app.after_request
    def _check(response: Response) -> Response:
        if not 200 <= response.status_code < 300 or response.mimetype != "application/json":
            return response
        meta = endpoint_meta(app.view_functions.get(request.endpoint or ""))
        if meta is None or meta.response is None:
            return response
        try:
            meta.response.model_validate_json(response.get_data())
        except ValidationError as error:
            mismatches.append(f"{request.method} {request.path}: {error}")
        return response

    return mismatches
