"""Quick set-ups through the public API for end-to-end and browser tests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from common.mail import links_in, wait_for_mail
from tests.e2e.stack import Stack
from tsunagu.demo.client import GatewayClient

PASSWORD = "e2e-member-passphrase-2026"


@dataclass
class World:
    """A consortium with members, and a signed-in client per (org, role)."""

    stack: Stack
    consortium_id: str
    orgs: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    _clients: dict[str, GatewayClient] = field(default_factory=dict)

    def user(self, key: str) -> GatewayClient:
        """A signed-in client for ``key`` = ``<org key>.<role>`` (created by ``add_user``)."""
        client = self._clients.get(key)
        if client is None:
            client = self.stack.client()
            client.sign_in(self.emails[key], PASSWORD)
            self._clients[key] = client
        return client

    def add_org(self, key: str, kind: str = "npo", sector: str = "private") -> str:
        admin = self.stack.admin()
        org = admin.post(
            "/organizations",
            {
                "consortium_id": self.consortium_id,
                "name": f"{key} {secrets.token_hex(3)}",
                "kind": kind,
                "sector": sector,
                # Provision records name both sides' address and representative.
                "address": f"山梨県甲府市丸の内一丁目（{key}）",
                "representative": f"{key} 代表 山梨 花子",
            },
        )
        self.orgs[key] = org["id"]
        return str(org["id"])

    def add_user(self, org_key: str, role: str) -> str:
        """Invite and join: by the org's own admin when it has one (the link comes in the
        answer), else — and for consortium admins — by the platform admin (the link comes
        only by e-mail)."""
        key = f"{org_key}.{role}"
        email = f"{key.replace('.', '-')}-{secrets.token_hex(4)}@e2e.example"
        own_admin = f"{org_key}.org_admin"
        by_own_admin = own_admin in self.emails and role != "consortium_admin"
        inviter = self.user(own_admin) if by_own_admin else self.stack.admin()
        invited = inviter.post(
            f"/organizations/{self.orgs[org_key]}/users",
            {"email": email, "name": f"{role} of {org_key}", "role": role},
        )
        token = invited["invitation"].get("token") or invitation_token(self.stack, email)
        self.stack.client().post(f"/invitations/{token}/accept", {"password": PASSWORD})
        self.emails[key] = email
        return email


def invitation_token(stack: Stack, email: str, timeout: float = 30) -> str:
    """The token of the newest invitation e-mailed to ``email`` (the stack's Maildir)."""
    messages = wait_for_mail(stack.workdir / "data" / "mail", email, timeout=timeout)
    link = next(u for u in links_in(messages[-1]) if "/invitations/" in u)
    return link.rsplit("/", 1)[1]


def principal_token_for(stack: Stack, pat: str) -> str:
    """The principal token the gateway would forward for this personal access token
    (asked of auth's internal route with the installation's service credential)."""
    from pathlib import Path

    from common.http.client import ServiceClient
    from common.servicekey import ServiceCredential, load_service_key

    credential = ServiceCredential(
        load_service_key(None, Path(stack.env["TSUNAGU_DATA_DIR"]) / "keys"), "tests"
    )
    path = "/internal/tokens/resolve"
    answer = ServiceClient(stack.url("auth")).call(
        "POST", path, json_body={"token": pat}, headers=credential.headers("POST", path)
    )
    if answer.status != 200:
        raise RuntimeError(f"auth answered {answer.status} for a token resolve")
    return str(answer.json()["principal_token"])


def new_world(stack: Stack, members: dict[str, str], roles: tuple[str, ...] = ("staff",)) -> World:
    """A fresh consortium; ``members`` maps org key -> kind; each org gets ``roles``."""
    admin = stack.admin()
    consortium = admin.post(
        "/consortia", {"name": f"e2e {secrets.token_hex(4)}", "prefecture": "鹿児島県"}
    )
    world = World(stack, consortium["id"])
    for key, kind in members.items():
        world.add_org(key, kind)
        for role in roles:
            world.add_user(key, role)
    return world
