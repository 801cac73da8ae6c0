"""Cases operations: one function per use case. Each loads with tenant scoping, applies
the domain rules, writes its audit entry and outbox events, and commits."""

from __future__ import annotations

from dataclasses import dataclass

from services.cases.provisions_client import ProvisionSource


@dataclass(frozen=True)
class CasesDeps:
    provisions: ProvisionSource
    """Asks the referrals service for one person's provision records (disclosure)."""
