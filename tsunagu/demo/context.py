"""What the demo seeders share: who is who, and a signed-in client for each of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from common.config import Settings
from services.auth.domain.passwords import DEMO_PASSWORD
from tsunagu.demo.client import GatewayClient


@dataclass
class DemoContext:
    settings: Settings
    admin_email: str
    admin_password: str
    password: str = DEMO_PASSWORD
    consortia: dict[str, str] = field(default_factory=dict)
    """key -> consortium id"""
    orgs: dict[str, str] = field(default_factory=dict)
    """key -> org id (keys like ``kagoshima.saposute``)"""
    logins: dict[str, dict[str, str]] = field(default_factory=dict)
    """user key -> {email, org, role}"""
    shared: dict[str, Any] = field(default_factory=dict)
    """What one area's seeder leaves for the next (e.g. case ids for referrals)."""
    _clients: dict[str, GatewayClient] = field(default_factory=dict)

    def new_client(self) -> GatewayClient:
        return GatewayClient(self.settings.service_url("gateway"))

    def admin(self) -> GatewayClient:
        return self._signed_in("__admin__", self.admin_email, self.admin_password)

    def as_user(self, key: str) -> GatewayClient:
        """A signed-in client for the demo user ``key`` (e.g. ``kagoshima.saposute.staff``)."""
        return self._signed_in(key, self.logins[key]["email"], self.password)

    def _signed_in(self, key: str, email: str, password: str) -> GatewayClient:
        client = self._clients.get(key)
        if client is None:
            client = self.new_client()
            client.sign_in(email, password)
            self._clients[key] = client
        return client
