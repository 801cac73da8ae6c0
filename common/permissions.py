"""Roles and what they may do (DESIGN §3). Plain data: services check permissions,
never role names, so the table below is the single place to change a rule."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    CONSORTIUM_ADMIN = "consortium_admin"
    ORG_ADMIN = "org_admin"
    STAFF = "staff"  # 相談員, coordinator
    VOLUNTEER = "volunteer"  # family-association volunteer
    VIEWER = "viewer"


INVITABLE_ROLES = frozenset(
    {Role.ORG_ADMIN, Role.STAFF, Role.VOLUNTEER, Role.VIEWER, Role.CONSORTIUM_ADMIN}
)


class Perm(StrEnum):
    CASE_READ = "case.read"
    CASE_READ_OWN_ONLY = "case.read_own_only"  # volunteers see only cases they created
    CASE_WRITE = "case.write"
    CASE_READ_SENSITIVE = "case.read_sensitive"  # 要配慮個人情報
    CASE_EXPORT = "case.export"
    CASE_IMPORT = "case.import"
    REFERRAL_SEND = "referral.send"
    REFERRAL_READ = "referral.read"
    REFERRAL_RESPOND = "referral.respond"  # accept, decline, complete
    ORG_USERS_MANAGE = "org.users.manage"
    ORG_TARGETS_MANAGE = "org.targets.manage"
    AUDIT_READ = "audit.read"
    REPORT_ORG_READ = "report.org.read"
    REPORT_CONSORTIUM_READ = "report.consortium.read"  # aggregates only
    CONSORTIUM_TARGETS_MANAGE = "consortium.targets.manage"
    CONSORTIUM_ORGS_MANAGE = "consortium.orgs.manage"
    CONSORTIUM_POLICY_MANAGE = "consortium.policy.manage"
    DECLINE_CONFIRM = "referral.decline_confirm"  # the center's two-person rule
    REFERRAL_OVERSEE = "referral.oversee"  # the consortium's flow: metadata and counts only
    PLATFORM_MANAGE = "platform.manage"
    LINE_CHANNELS_MANAGE = "line.channels.manage"  # register a LINE channel for an org
    LINE_DESK_ANSWER = "line.desk.answer"  # answer the org's LINE consultations (SNS相談)


_CASEWORK = frozenset(
    {
        Perm.CASE_READ,
        Perm.CASE_WRITE,
        Perm.CASE_READ_SENSITIVE,
        Perm.CASE_EXPORT,
        Perm.REFERRAL_SEND,
        Perm.REFERRAL_READ,
        Perm.REFERRAL_RESPOND,
        Perm.REPORT_ORG_READ,
        Perm.LINE_DESK_ANSWER,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.PLATFORM_ADMIN: frozenset({Perm.PLATFORM_MANAGE, Perm.CONSORTIUM_ORGS_MANAGE}),
    Role.CONSORTIUM_ADMIN: frozenset(
        {
            Perm.CONSORTIUM_ORGS_MANAGE,
            Perm.CONSORTIUM_TARGETS_MANAGE,
            Perm.CONSORTIUM_POLICY_MANAGE,
            Perm.REPORT_CONSORTIUM_READ,
            Perm.ORG_USERS_MANAGE,
            Perm.REFERRAL_OVERSEE,
            Perm.LINE_CHANNELS_MANAGE,
        }
    ),
    Role.ORG_ADMIN: _CASEWORK
    | {
        Perm.ORG_USERS_MANAGE,
        Perm.ORG_TARGETS_MANAGE,
        Perm.AUDIT_READ,
        Perm.CASE_IMPORT,
        Perm.LINE_CHANNELS_MANAGE,
    },
    Role.STAFF: _CASEWORK,
    Role.VOLUNTEER: frozenset(
        {
            Perm.CASE_READ,
            Perm.CASE_READ_OWN_ONLY,
            Perm.CASE_WRITE,
            Perm.REFERRAL_SEND,
            Perm.REFERRAL_READ,
        }
    ),
    Role.VIEWER: frozenset({Perm.CASE_READ, Perm.REFERRAL_READ, Perm.REPORT_ORG_READ}),
}

REFERRAL_RECEIVER = "referral_receiver"
"""A grant, not a role: a volunteer whom their org admin named to answer referrals (a family
association staffed by volunteers receives people too). It travels among the principal's
roles and adds only what answering takes."""

GRANT_PERMISSIONS: dict[str, frozenset[Perm]] = {
    REFERRAL_RECEIVER: frozenset({Perm.REFERRAL_READ, Perm.REFERRAL_RESPOND}),
}

PREFECTURAL_CENTER = "prefectural_center"

# The prefectural center's case workers also see consortium-wide aggregates and
# confirm declines when the consortium asks for the two-person rule.
_CENTER_EXTRA = frozenset(
    {Perm.REPORT_CONSORTIUM_READ, Perm.DECLINE_CONFIRM, Perm.REFERRAL_OVERSEE}
)


def permissions_for(roles: frozenset[str] | set[str], org_kind: str | None) -> frozenset[Perm]:
    granted: set[Perm] = set()
    for name in roles:
        try:
            role = Role(name)
        except ValueError:
            granted |= GRANT_PERMISSIONS.get(name, frozenset())
            continue
        granted |= ROLE_PERMISSIONS[role]
        if org_kind == PREFECTURAL_CENTER and role in {Role.ORG_ADMIN, Role.STAFF}:
            granted |= _CENTER_EXTRA
    return frozenset(granted)
