"""Principal tokens for tests, signed with a throw-away key pair."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from common.datakey import ensure_data_key
from common.principal import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    Principal,
    PrincipalSigner,
    generate_keypair,
)
from common.servicekey import ensure_service_key


@lru_cache(maxsize=1)
def test_keypair() -> tuple[str, str]:
    return generate_keypair()


def write_test_keys(keys_dir: Path) -> None:
    private_pem, public_pem = test_keypair()
    keys_dir.mkdir(parents=True, exist_ok=True)
    (keys_dir / PRIVATE_KEY_FILE).write_text(private_pem)
    (keys_dir / PUBLIC_KEY_FILE).write_text(public_pem)
    ensure_data_key(keys_dir)
    ensure_service_key(keys_dir)


@dataclass(frozen=True)
class Tenant:
    """An organization in a consortium, as tests need it."""

    org_id: uuid.UUID
    consortium_id: uuid.UUID
    kind: str = "npo"

    @classmethod
    def new(cls, kind: str = "npo", consortium_id: uuid.UUID | None = None) -> Tenant:
        return cls(uuid.uuid4(), consortium_id or uuid.uuid4(), kind)


def make_principal(
    tenant: Tenant | None = None,
    *,
    role: str = "staff",
    user_id: uuid.UUID | None = None,
    name: str = "テスト 職員",
) -> Principal:
    return Principal(
        user_id=user_id or uuid.uuid4(),
        name=name,
        org_id=tenant.org_id if tenant else None,
        consortium_id=tenant.consortium_id if tenant else None,
        org_kind=tenant.kind if tenant else None,
        roles=frozenset({role}),
        session_id=uuid.uuid4().hex,
    )


def token_for(principal: Principal, ttl_seconds: int = 300) -> str:
    return PrincipalSigner(test_keypair()[0], ttl_seconds=ttl_seconds).sign(principal)


def auth_header(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(principal)}"}
