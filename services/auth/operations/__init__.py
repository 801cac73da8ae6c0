"""Auth operations. Each one owns its transaction: the state change, its audit entry
and its outbox event commit together or not at all."""

from __future__ import annotations

from dataclasses import dataclass

from common.config import Settings
from common.datakey import SecretBox
from common.principal import PrincipalSigner
from common.servicekey import ServiceCredentialVerifier
from services.auth.domain.passwords import PasswordHashing
from services.auth.domain.sessions import SessionPolicy


@dataclass(frozen=True)
class AuthDeps:
    settings: Settings
    hashing: PasswordHashing
    signer: PrincipalSigner
    policy: SessionPolicy
    secrets: SecretBox
    """Seals TOTP seeds and waiting mail at rest."""
    internal: ServiceCredentialVerifier
    """Checks the service credential of calls to ``/internal/*``."""
