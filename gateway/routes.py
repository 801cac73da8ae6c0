"""Which service answers which ``/api/v1`` path. The gateway holds no business rules:
this table is the whole of its knowledge about the services."""

from __future__ import annotations

ROUTES: dict[str, str] = {
    # auth
    "me": "auth",
    "tokens": "auth",
    "invitations": "auth",
    "consortia": "auth",
    "organizations": "auth",
    "users": "auth",
    "directory": "auth",
    # cases
    "cases": "cases",
    "consents": "cases",
    "imports": "cases",
    # referrals
    "referrals": "referrals",
    "notifications": "referrals",
    "referral-policy": "referrals",
    # reports
    "reports": "reports",
    # line (the LINE desk; its webhook comes in outside /api/v1: gateway.linewebhook)
    "line": "line",
}

PREFIX_OVERRIDES: tuple[tuple[str, str], ...] = (
    # APPI provision records are kept by the service that makes them.
    ("reports/provision-ledger", "referrals"),
)

AUDIT_SOURCES: tuple[str, ...] = ("auth", "cases", "referrals", "reports", "line")
"""``GET /audit`` merges each service's own log of the caller's organization."""


def service_for(path: str) -> str | None:
    """The service for an API path without the ``/api/v1/`` prefix, or None."""
    for prefix, service in PREFIX_OVERRIDES:
        if path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "."):
            return service
    head = path.split("/", 1)[0]
    head = head.split(".", 1)[0]  # /reports/kpi.csv has its head before the slash anyway
    return ROUTES.get(head)
