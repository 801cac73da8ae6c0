"""Request bodies and queries of the auth API (pydantic: bad input is a 422 with fields)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from common.permissions import INVITABLE_ROLES
from common.schemas import Body, Query


def _email(value: str) -> str:
    value = value.strip().lower()
    local, sep, domain = value.partition("@")
    if not sep or not local or "." not in domain or domain.startswith(".") or " " in value:
        raise ValueError("Enter a valid email address")
    return value


Email = Annotated[str, StringConstraints(min_length=3, max_length=254), AfterValidator(_email)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=False)]
Otp = Annotated[str, StringConstraints(min_length=6, max_length=16)]


class OrgKind(StrEnum):
    FAMILY_ASSOCIATION = "family_association"  # 家族会
    NPO = "npo"
    SUPPORT_STATION = "support_station"  # 地域若者サポートステーション
    PREFECTURAL_CENTER = "prefectural_center"  # ひきこもり地域支援センター
    MUNICIPALITY = "municipality"
    OTHER = "other"


class Sector(StrEnum):
    PRIVATE = "private"
    PUBLIC = "public"


class InvitableRole(StrEnum):
    ORG_ADMIN = "org_admin"
    STAFF = "staff"
    VOLUNTEER = "volunteer"
    VIEWER = "viewer"
    CONSORTIUM_ADMIN = "consortium_admin"


assert {r.value for r in InvitableRole} == {r.value for r in INVITABLE_ROLES}


class LoginBody(Body):
    email: Email
    password: Password
    otp: Otp | None = None
    client_ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=200)


class SessionTokenBody(Body):
    session_token: str = Field(min_length=10, max_length=200)


class AccessTokenResolveBody(Body):
    token: str = Field(min_length=10, max_length=200)


class TokenCreate(Body):
    name: Name
    expires_at: datetime | None = None


class InvitationAccept(Body):
    password: Password
    name: Name | None = None


class ConsortiumCreate(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    prefecture: Annotated[str, StringConstraints(min_length=2, max_length=20)]
    mfa_required: bool = False


class ConsortiumUpdate(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    mfa_required: bool | None = None


class OrgCreate(Body):
    consortium_id: uuid.UUID
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    kind: OrgKind
    sector: Sector
    address: Annotated[str, StringConstraints(max_length=300)] | None = None
    representative: Annotated[str, StringConstraints(max_length=200)] | None = None
    mfa_required: bool = False


class OrgUpdate(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    kind: OrgKind | None = None
    sector: Sector | None = None
    address: Annotated[str, StringConstraints(max_length=300)] | None = None
    representative: Annotated[str, StringConstraints(max_length=200)] | None = None
    mfa_required: bool | None = None


class StatusChange(Body):
    reason: Reason


class OrgListQuery(Query):
    consortium_id: uuid.UUID | None = None
    status: str | None = Field(default=None, pattern="^(active|suspended)$")


class UserInvite(Body):
    email: Email
    name: Name
    role: InvitableRole


class UserUpdate(Body):
    role: InvitableRole | None = None
    active: bool | None = None
    name: Name | None = None
    receives_referrals: bool | None = None
    """A volunteer may answer referrals (set by an admin of the user's own org)."""


class TotpCode(Body):
    code: Otp


class PasswordChange(Body):
    current_password: Password
    new_password: Password
