"""How UI views talk to the services: the same routes and principal as ``/api/v1``,
with problems raised as :class:`ApiError` for forms to show field by field."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from flask import abort, current_app, has_request_context, request
from flask_login import current_user

from common.http.client import UpstreamResponse, UpstreamTimeout, UpstreamUnavailable
from gateway.routes import service_for
from gateway.upstreams import Upstreams


@dataclass
class ApiError(Exception):
    """A 4xx/5xx answer, with the problem's fields."""

    status: int
    title: str = ""
    detail: str = ""
    code: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def from_response(cls, response: UpstreamResponse) -> ApiError:
        try:
            body = json.loads(response.body or b"{}")
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        return cls(
            status=response.status,
            title=str(body.get("title", "")),
            detail=str(body.get("detail", "")),
            code=str(body.get("code", "")),
            errors=list(body.get("errors") or []),
        )

    def field_errors(self) -> dict[str, list[dict[str, str]]]:
        grouped: dict[str, list[dict[str, str]]] = {}
        for item in self.errors:
            grouped.setdefault(str(item.get("field", "")), []).append(item)
        return grouped


def _client(path: str) -> Any:
    service = service_for(path.lstrip("/").split("?", 1)[0])
    if service is None:
        raise LookupError(f"no service for {path}")
    upstreams: Upstreams = current_app.extensions["upstreams"]
    return upstreams.client(service)


def call_raw(
    method: str,
    path: str,
    *,
    json_body: Any = None,
    params: dict[str, Any] | None = None,
    body: bytes | None = None,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> UpstreamResponse:
    """One call as the signed-in user. Raises ApiError for answers ≥ 400."""
    token = current_user.identity.principal_token if current_user.is_authenticated else None
    if method == "POST" and (key := _form_idempotency_key(path)):
        headers = {"Idempotency-Key": key, **(headers or {})}
    client = _client(path)
    try:
        if body is not None:
            raw_headers = {"Content-Type": content_type or "application/octet-stream"}
            if token:
                raw_headers["Authorization"] = f"Bearer {token}"
            response = client.request(
                method, path, body=body, headers=raw_headers | (headers or {})
            )
        else:
            response = client.call(
                method, path, token=token, json_body=json_body, params=params, headers=headers
            )
    except UpstreamTimeout:
        raise ApiError(504, "Gateway timeout", code="upstream_timeout") from None
    except UpstreamUnavailable:
        raise ApiError(502, "Bad gateway", code="upstream_unavailable") from None
    if response.status == 401:
        abort(401)
    if response.status >= 400:
        raise ApiError.from_response(response)
    return response


FORM_NONCE_FIELD = "form_nonce"


def _form_idempotency_key(path: str) -> str | None:
    """The same form submitted twice makes each POST once: its key is the form's nonce
    (gateway.ui.csrf_field) and the call's path, so the second submission gets the first
    answer (a created case, not a second one)."""
    if not has_request_context() or request.method != "POST":
        return None
    nonce = request.form.get(FORM_NONCE_FIELD, "")
    if not nonce or len(nonce) > 64 or not nonce.isascii() or not nonce.isprintable():
        return None
    digest = hashlib.sha256(path.encode()).hexdigest()[:16]
    return f"ui:{nonce}:{digest}"


def call(
    method: str, path: str, *, json_body: Any = None, params: dict[str, Any] | None = None
) -> Any:
    return call_raw(method, path, json_body=json_body, params=params).json()


def get(path: str, **params: Any) -> Any:
    return call("GET", path, params=params or None)


def post(path: str, json_body: Any = None) -> Any:
    return call("POST", path, json_body=json_body if json_body is not None else {})


def patch(path: str, json_body: Any, *, if_match: str | None = None) -> Any:
    """``if_match``: the version the user's form started from (412 if it moved on)."""
    headers = {"If-Match": f'"{if_match}"'} if if_match else None
    return call_raw("PATCH", path, json_body=json_body, headers=headers).json()


def put(path: str, json_body: Any) -> Any:
    return call("PUT", path, json_body=json_body)


def delete(path: str) -> Any:
    return call("DELETE", path)
