"""The administration area: consortia (platform admin), member organizations (consortium
admins) and the people of an organization (its admins)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from common.permissions import Perm
from gateway.views import NavItem

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _my_org_visible() -> bool:
    return bool(current_user.principal.org_id) and current_user.can(Perm.ORG_USERS_MANAGE)


NAV = [
    NavItem(_l("Consortia"), "admin.consortia", permission=Perm.PLATFORM_MANAGE, order=70),
    NavItem(
        _l("Members"),
        "admin.organizations",
        permission=Perm.CONSORTIUM_ORGS_MANAGE,
        order=71,
        visible=lambda: not current_user.can(Perm.PLATFORM_MANAGE),
    ),
    NavItem(_l("My organization"), "admin.my_org", order=72, visible=_my_org_visible),
]

# The page groups add their pages to ``bp``.
from gateway.views.admin import consortia, consortium_log, organizations, users  # noqa: E402, F401
