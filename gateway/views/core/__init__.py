"""The core area: signing in and out, the home page, one's own account and the audit log."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from common.permissions import Perm
from gateway.views import NavItem

bp = Blueprint("core", __name__)

NAV = [
    NavItem(_l("Home"), "core.home", order=0),
    NavItem(_l("Audit log"), "core.audit_log", permission=Perm.AUDIT_READ, order=90),
]

# The page groups add their pages to ``bp``.
from gateway.views.core import account, audit, home, session  # noqa: E402, F401
