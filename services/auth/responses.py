"""The shapes of the auth service's success answers, as its OpenAPI document declares them
(``endpoint(response=...)``). The operations build plain dicts; these models only describe
them, and the fuzz tier (tests/fuzz) checks every answer against them."""

from __future__ import annotations

from datetime import datetime

from common.http.audit_api import AuditEntryAnswer
from common.http.openapi import Answer


class AddedBy(Answer):
    id: str
    name: str
    role: str
    org_id: str | None
    org_name: str | None


class UserAnswer(Answer):
    id: str
    email: str
    name: str
    org_id: str | None
    role: str
    roles: list[str]
    receives_referrals: bool
    active: bool
    status: str
    mfa_enabled: bool
    created_at: datetime
    last_login_at: datetime | None
    added_by: AddedBy | None


class InvitationAnswer(Answer):
    """The token and link only when the inviter may hand them over (own org admin)."""

    sent_to: str
    expires_at: datetime
    token: str | None = None
    url: str | None = None


class InvitedUser(UserAnswer):
    invitation: InvitationAnswer


class ReissuedInvitation(Answer):
    invitation: InvitationAnswer


class ConsortiumAnswer(Answer):
    id: str
    name: str
    prefecture: str
    mfa_required: bool
    created_at: datetime


class OrgAnswer(Answer):
    id: str
    consortium_id: str
    name: str
    kind: str
    sector: str
    address: str | None
    representative: str | None
    status: str
    status_reason: str | None
    mfa_required: bool
    created_at: datetime
    updated_at: datetime


class OrgWithConsortium(OrgAnswer):
    consortium: ConsortiumAnswer


class MeAnswer(UserAnswer):
    org: OrgWithConsortium | None
    permissions: list[str]
    mfa_required: bool
    csrf_token: str | None


class DirectoryEntry(Answer):
    id: str
    name: str
    kind: str
    sector: str
    address: str | None


class TokenAnswer(Answer):
    id: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool


class NewToken(TokenAnswer):
    """The secret is in this answer only."""

    token: str


class TotpEnrolment(Answer):
    secret: str
    otpauth_uri: str
    qr_svg: str


class RecoveryCodes(Answer):
    recovery_codes: list[str]


class InvitationDetails(Answer):
    email: str
    name: str
    role: str
    org_name: str | None
    expires_at: datetime


class AcceptedInvitation(Answer):
    user: UserAnswer


class ConsortiumLogEntry(AuditEntryAnswer):
    actor_name: str | None
    actor_org_name: str | None
    org_name: str | None


# --- internal: the gateway's questions --------------------------------------------------


class ResolvedPrincipal(Answer):
    principal_token: str
    expires_in: float
    csrf_token: str | None
    mfa_enrollment_required: bool
    user: UserAnswer


class NewSession(ResolvedPrincipal):
    session_token: str


class Revocation(Answer):
    kind: str
    id: str
    at: datetime


class RevocationFeed(Answer):
    items: list[Revocation]
    now: datetime
