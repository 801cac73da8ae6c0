"""The OpenAPI document of what the gateway answers itself under ``/api/v1`` (sign-in,
sign-out, the merged audit log), served at ``/api/v1/openapi.json``. Every other path is a
service's: see that service's own ``/openapi.json`` (the owner is in gateway/routes.py)."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from pydantic import Field

from common.http.audit_api import AuditEntryAnswer
from common.http.openapi import (
    Answer,
    EndpointMeta,
    openapi_document,
    operation_spec,
    page_of,
)
from common.schemas import Body, JstMoment, PageQuery


class SignInBody(Body):
    email: str
    password: str
    otp: str | None = None


class SignedInUser(Answer):
    id: str
    email: str
    name: str
    org_id: str | None
    roles: list[str]


class SignedIn(Answer):
    """The session itself is the ``tsunagu_session`` cookie (HttpOnly)."""

    user: SignedInUser
    csrf_token: str | None
    mfa_enrollment_required: bool


class MergedAuditQuery(PageQuery):
    """What gateway/auditlog.py passes on to every service (AUDIT_FILTERS), and its page."""

    resource_id: str | None = Field(default=None, max_length=64)
    actor_id: uuid.UUID | None = None
    from_: JstMoment | None = Field(default=None, alias="from")
    to: JstMoment | None = None


class MergedAuditEntry(AuditEntryAnswer):
    service: str


OPERATIONS: tuple[tuple[str, str, str, EndpointMeta], ...] = (
    (
        "/session",
        "post",
        "api.sign_in",
        EndpointMeta(
            "Sign in: sets the session cookie, returns who and the CSRF token",
            body=SignInBody,
            public=True,
            response=SignedIn,
        ),
    ),
    (
        "/session",
        "delete",
        "api.sign_out",
        EndpointMeta("Sign out: ends the cookie's session", status=204, public=True),
    ),
    (
        "/audit",
        "get",
        "api.audit",
        EndpointMeta(
            "My organization's log, merged from every service's, newest first",
            query=MergedAuditQuery,
            response=page_of(MergedAuditEntry),
        ),
    ),
)


@cache
def gateway_document(prefix: str) -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for path, method, operation_id, meta in OPERATIONS:
        operation = operation_spec(meta, method, operation_id, [], components)
        paths.setdefault(prefix + path, {})[method] = operation
    return openapi_document("Tsunagu gateway (its own /api/v1 operations)", paths, components)
