"""The field names of the administration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FIELDS = {
    "name": _l("Name"),
    "prefecture": _l("Prefecture"),
    "kind": _l("Kind"),
    "sector": _l("Sector"),
    "address": _l("Address"),
    "representative": _l("Representative"),
    "email": _l("Email address"),
    "role": _l("Role"),
    "reason": _l("Reason"),
}
