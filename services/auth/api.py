"""The auth service's HTTP API: thin views that parse, call one operation, shape JSON.

``/internal/*`` endpoints serve the gateway: they turn credentials, session cookies and
access tokens into short-lived principal tokens, and list revoked credentials. They need
no principal, but they do need the service credential (common.servicekey): whoever merely
reaches the port gets 401, a wrong credential 403 — so the client address the gateway
reports for throttling can be trusted.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from common.errors import Forbidden, Unauthenticated
from common.http.audit_api import add_audit_route
from common.http.openapi import endpoint, page_of
from common.http.problems import domain_error_response
from common.http.service import current_principal, db
from common.schemas import AuditQuery, PageQuery, Query
from common.service import dependencies
from common.servicekey import HEADER, BadCredential, MissingCredential
from services.auth.models import AuditEntry
from services.auth.operations import (
    AuthDeps,
    account,
    consortium_log,
    invitations,
    mfa,
    revocations,
    sessions,
    signin,
    tenants,
    tokens,
    users,
)
from services.auth.operations.common import user_as_dict
from services.auth.responses import (
    AcceptedInvitation,
    ConsortiumAnswer,
    ConsortiumLogEntry,
    DirectoryEntry,
    InvitationDetails,
    InvitedUser,
    MeAnswer,
    NewSession,
    NewToken,
    OrgAnswer,
    RecoveryCodes,
    ReissuedInvitation,
    ResolvedPrincipal,
    RevocationFeed,
    TokenAnswer,
    TotpEnrolment,
    UserAnswer,
)
from services.auth.schemas import (
    AccessTokenResolveBody,
    ConsortiumCreate,
    ConsortiumUpdate,
    InvitationAccept,
    LoginBody,
    OrgCreate,
    OrgListQuery,
    OrgUpdate,
    PasswordChange,
    SessionTokenBody,
    StatusChange,
    TokenCreate,
    TotpCode,
    UserInvite,
    UserUpdate,
)

bp = Blueprint("auth", __name__)


@bp.before_request
def _internal_callers_only() -> Response | None:
    if not request.path.startswith("/internal/"):
        return None
    try:
        deps().internal.verify(request.headers.get(HEADER), request.method, request.path)
    except MissingCredential:
        return domain_error_response(
            Unauthenticated("Internal route", code="service_credential_required")
        )
    except BadCredential:
        return domain_error_response(Forbidden("Internal route", code="bad_service_credential"))
    return None


def deps() -> AuthDeps:
    return dependencies(AuthDeps)


def _resolved_json(resolved: sessions.Resolved) -> dict[str, Any]:
    return {
        "principal_token": resolved.principal_token,
        "expires_in": resolved.expires_in,
        "csrf_token": resolved.csrf_token,
        "mfa_enrollment_required": resolved.mfa_enrollment_required,
        "user": user_as_dict(resolved.user),
    }


# --- internal: the gateway's questions -------------------------------------------------


class LoginRequest(LoginBody):
    previous_session_token: str | None = None


@bp.post("/internal/sessions")
@endpoint(
    "Sign in; returns a new session secret and a principal token",
    body=LoginRequest,
    public=True,
    tags=("internal",),
    response=NewSession,
)
def internal_login(body: LoginRequest) -> Response:
    secret, resolved = signin.login(db(), deps(), body, body.previous_session_token)
    return jsonify(_resolved_json(resolved) | {"session_token": secret})


@bp.post("/internal/sessions/resolve")
@endpoint(
    "The principal behind a session secret",
    body=SessionTokenBody,
    public=True,
    tags=("internal",),
    response=ResolvedPrincipal,
)
def internal_resolve_session(body: SessionTokenBody) -> Response:
    return jsonify(_resolved_json(sessions.resolve_session(db(), deps(), body.session_token)))


@bp.post("/internal/sessions/end")
@endpoint("Sign out", body=SessionTokenBody, public=True, tags=("internal",), status=204)
def internal_logout(body: SessionTokenBody) -> tuple[str, int]:
    sessions.logout(db(), body.session_token)
    return "", 204


@bp.post("/internal/tokens/resolve")
@endpoint(
    "The principal behind a personal access token",
    body=AccessTokenResolveBody,
    public=True,
    tags=("internal",),
    response=ResolvedPrincipal,
)
def internal_resolve_token(body: AccessTokenResolveBody) -> Response:
    return jsonify(_resolved_json(tokens.resolve_access_token(db(), deps(), body.token)))


class RevocationQuery(Query):
    since: datetime | None = None


@bp.get("/internal/revocations")
@endpoint(
    "Credentials ended since a moment (auth's clock): the gateway drops them from its cache",
    query=RevocationQuery,
    public=True,
    tags=("internal",),
    response=RevocationFeed,
)
def internal_revocations(query: RevocationQuery) -> Response:
    return jsonify(revocations.feed(db(), query.since))


@bp.before_request
def _refuse_ended_credentials() -> Response | None:
    """A principal token minted before its session, token, user or organization ended is
    refused here at once (other services learn it from events within a second)."""
    principal = g.get("principal")
    if principal is None:
        return None
    reason = revocations.refusal(db(), principal)
    if reason is None:
        return None
    g.principal = None
    return domain_error_response(Unauthenticated("This sign-in has ended", code=reason))


# --- identity --------------------------------------------------------------------------


@bp.get("/me")
@endpoint("Who am I", response=MeAnswer)
def me() -> Response:
    return jsonify(account.me(db(), current_principal()))


@bp.post("/me/password")
@endpoint("Change my password", body=PasswordChange, status=204)
def change_password(body: PasswordChange) -> tuple[str, int]:
    account.change_password(db(), deps(), current_principal(), body)
    return "", 204


@bp.post("/me/mfa/totp")
@endpoint(
    "Start TOTP enrolment: secret, otpauth URI and QR code", status=201, response=TotpEnrolment
)
def start_totp() -> tuple[Response, int]:
    return jsonify(mfa.start_totp(db(), deps(), current_principal())), 201


@bp.post("/me/mfa/totp/confirm")
@endpoint(
    "Confirm TOTP enrolment with a first code; returns recovery codes",
    body=TotpCode,
    response=RecoveryCodes,
)
def confirm_totp(body: TotpCode) -> Response:
    return jsonify(mfa.confirm_totp(db(), deps(), current_principal(), body.code))


@bp.post("/me/mfa/totp/disable")
@endpoint("Turn TOTP off (unless the organization requires it)", body=TotpCode, status=204)
def disable_totp(body: TotpCode) -> tuple[str, int]:
    mfa.disable_totp(db(), deps(), current_principal(), body.code)
    return "", 204


@bp.post("/tokens")
@endpoint(
    "Create a personal access token (shown once)", body=TokenCreate, status=201, response=NewToken
)
def create_token(body: TokenCreate) -> tuple[Response, int]:
    return jsonify(tokens.create_access_token(db(), current_principal(), body)), 201


@bp.get("/tokens")
@endpoint("My personal access tokens", response=page_of(TokenAnswer))
def list_tokens() -> Response:
    return jsonify(items=tokens.list_access_tokens(db(), current_principal()), next_cursor=None)


@bp.delete("/tokens/<uuid:token_id>")
@endpoint("Revoke one of my tokens", status=204)
def revoke_token(token_id: uuid.UUID) -> tuple[str, int]:
    tokens.revoke_access_token(db(), current_principal(), token_id)
    return "", 204


@bp.get("/invitations/<token>")
@endpoint("What an invitation is for", public=True, response=InvitationDetails)
def invitation(token: str) -> Response:
    return jsonify(invitations.invitation_details(db(), token))


@bp.post("/invitations/<token>/accept")
@endpoint(
    "Accept an invitation: set a password",
    body=InvitationAccept,
    public=True,
    response=AcceptedInvitation,
)
def accept_invitation(token: str, body: InvitationAccept) -> Response:
    return jsonify(invitations.accept_invitation(db(), deps(), token, body))


# --- consortia and organizations -------------------------------------------------------


@bp.post("/consortia")
@endpoint(
    "Create a consortium (platform admin)",
    body=ConsortiumCreate,
    status=201,
    response=ConsortiumAnswer,
)
def create_consortium(body: ConsortiumCreate) -> tuple[Response, int]:
    return jsonify(tenants.create_consortium(db(), current_principal(), body)), 201


@bp.get("/consortia")
@endpoint("List consortia", query=PageQuery, response=page_of(ConsortiumAnswer))
def list_consortia(query: PageQuery) -> Response:
    return jsonify(tenants.list_consortia(db(), current_principal(), query.limit, query.cursor))


@bp.get("/consortia/<uuid:consortium_id>")
@endpoint("One consortium", response=ConsortiumAnswer)
def get_consortium(consortium_id: uuid.UUID) -> Response:
    return jsonify(tenants.get_consortium_for(db(), current_principal(), consortium_id))


@bp.patch("/consortia/<uuid:consortium_id>")
@endpoint("Edit a consortium", body=ConsortiumUpdate, response=ConsortiumAnswer)
def update_consortium(consortium_id: uuid.UUID, body: ConsortiumUpdate) -> Response:
    return jsonify(tenants.update_consortium(db(), current_principal(), consortium_id, body))


@bp.get("/consortia/<uuid:consortium_id>/audit")
@endpoint(
    "The consortium admins' own log: registrations, suspensions, people added to members, "
    "policy changes (consortium and platform admins)",
    query=AuditQuery,
    response=page_of(ConsortiumLogEntry),
)
def consortium_audit(consortium_id: uuid.UUID, query: AuditQuery) -> Response:
    return jsonify(consortium_log.consortium_log(db(), current_principal(), consortium_id, query))


@bp.post("/organizations")
@endpoint("Register a member organization", body=OrgCreate, status=201, response=OrgAnswer)
def register_org(body: OrgCreate) -> tuple[Response, int]:
    return jsonify(tenants.register_org(db(), current_principal(), body)), 201


class OrgPageQuery(OrgListQuery, PageQuery):
    pass


@bp.get("/organizations")
@endpoint("List member organizations", query=OrgPageQuery, response=page_of(OrgAnswer))
def list_orgs(query: OrgPageQuery) -> Response:
    return jsonify(
        tenants.list_orgs(
            db(), current_principal(), query.consortium_id, query.status, query.limit, query.cursor
        )
    )


@bp.get("/organizations/<uuid:org_id>")
@endpoint("One member organization", response=OrgAnswer)
def get_org(org_id: uuid.UUID) -> Response:
    return jsonify(tenants.get_org_for(db(), current_principal(), org_id))


@bp.patch("/organizations/<uuid:org_id>")
@endpoint("Edit a member organization", body=OrgUpdate, response=OrgAnswer)
def update_org(org_id: uuid.UUID, body: OrgUpdate) -> Response:
    return jsonify(tenants.update_org(db(), current_principal(), org_id, body))


@bp.post("/organizations/<uuid:org_id>/suspend")
@endpoint(
    "Suspend a member: its users are signed out and cannot sign in",
    body=StatusChange,
    response=OrgAnswer,
)
def suspend_org(org_id: uuid.UUID, body: StatusChange) -> Response:
    return jsonify(tenants.suspend_org(db(), current_principal(), org_id, body.reason))


@bp.post("/organizations/<uuid:org_id>/reinstate")
@endpoint("Reinstate a suspended member", body=StatusChange, response=OrgAnswer)
def reinstate_org(org_id: uuid.UUID, body: StatusChange) -> Response:
    return jsonify(tenants.reinstate_org(db(), current_principal(), org_id, body.reason))


@bp.get("/directory")
@endpoint("Active members of my consortium", response=page_of(DirectoryEntry))
def directory() -> Response:
    return jsonify(tenants.directory(db(), current_principal()))


# --- users -----------------------------------------------------------------------------


@bp.post("/organizations/<uuid:org_id>/users")
@endpoint("Invite a person to an organization", body=UserInvite, status=201, response=InvitedUser)
def invite_user(org_id: uuid.UUID, body: UserInvite) -> tuple[Response, int]:
    return jsonify(users.invite_user(db(), deps(), current_principal(), org_id, body)), 201


@bp.get("/organizations/<uuid:org_id>/users")
@endpoint("People of an organization", query=PageQuery, response=page_of(UserAnswer))
def list_users(org_id: uuid.UUID, query: PageQuery) -> Response:
    return jsonify(users.list_users(db(), current_principal(), org_id, query.limit, query.cursor))


@bp.get("/users/<uuid:user_id>")
@endpoint("One person", response=UserAnswer)
def get_user(user_id: uuid.UUID) -> Response:
    return jsonify(users.get_user(db(), current_principal(), user_id))


@bp.patch("/users/<uuid:user_id>")
@endpoint("Change a person's role, name or active flag", body=UserUpdate, response=UserAnswer)
def update_user(user_id: uuid.UUID, body: UserUpdate) -> Response:
    return jsonify(users.update_user(db(), current_principal(), user_id, body))


@bp.post("/users/<uuid:user_id>/invitation")
@endpoint(
    "Issue a new invitation to a person who has not joined yet",
    status=201,
    response=ReissuedInvitation,
)
def reissue_invitation(user_id: uuid.UUID) -> tuple[Response, int]:
    return jsonify(users.reissue_invitation(db(), deps(), current_principal(), user_id)), 201


# --- audit -----------------------------------------------------------------------------


add_audit_route(
    bp,
    AuditEntry,
    summary="My organization's sign-in and administration log (org admin)",
    export_name="auth-audit.csv",
)
