"""Who may read or manage which report (DESIGN §3, API.md "Reports").

- ``scope=org``: one's own organization, with ``report.org.read``; managing its targets
  and freezing its reports needs ``org.targets.manage`` (org admin).
- ``scope=consortium``: one's own consortium, with ``report.consortium.read`` (the center's
  staff and admins, the consortium admin) — aggregates only, small cells hidden; managing
  needs ``consortium.targets.manage`` (consortium admin).

Another org's or consortium's id is "not found" (404); one's own scope without the
permission is "forbidden" (403).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from common.errors import Forbidden, NotFound
from common.permissions import Perm
from common.principal import Principal


class ScopeKind(StrEnum):
    ORG = "org"
    CONSORTIUM = "consortium"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    id: uuid.UUID

    @property
    def aggregates_only(self) -> bool:
        """Consortium-wide views show aggregates with small cells hidden."""
        return self.kind is ScopeKind.CONSORTIUM


_READ = {ScopeKind.ORG: Perm.REPORT_ORG_READ, ScopeKind.CONSORTIUM: Perm.REPORT_CONSORTIUM_READ}
_MANAGE = {
    ScopeKind.ORG: Perm.ORG_TARGETS_MANAGE,
    ScopeKind.CONSORTIUM: Perm.CONSORTIUM_TARGETS_MANAGE,
}


def _own(principal: Principal, kind: ScopeKind, requested: uuid.UUID | None) -> uuid.UUID:
    own = principal.org_id if kind is ScopeKind.ORG else principal.consortium_id
    if requested is not None and requested != own:
        raise NotFound(f"No such {kind.value}")
    if own is None:
        raise Forbidden(f"You belong to no {kind.value}")
    return own


def readable_scope(
    principal: Principal, kind: ScopeKind, requested: uuid.UUID | None = None
) -> Scope:
    own = _own(principal, kind, requested)
    if not principal.can(_READ[kind]):
        raise Forbidden(f"Your role may not read {kind.value} reports")
    return Scope(kind, own)


def manageable_scope(
    principal: Principal, kind: ScopeKind, requested: uuid.UUID | None = None
) -> Scope:
    own = _own(principal, kind, requested)
    if not principal.can(_MANAGE[kind]):
        raise Forbidden(f"Your role may not manage {kind.value} targets")
    return Scope(kind, own)


def may_manage(principal: Principal, kind: ScopeKind) -> bool:
    return principal.can(_MANAGE[kind])


def accountable_scope(
    principal: Principal, kind: ScopeKind, requested: uuid.UUID | None = None
) -> Scope:
    """A scope whose persons one accounts for, person by person or member by member: one's
    own org with ``report.org.read``; one's consortium only with the consortium's reporting
    duty (``consortium.targets.manage``, the consortium admin). The center's staff read the
    consortium's aggregates but carry no such duty: 403."""
    if kind is ScopeKind.ORG:
        return readable_scope(principal, kind, requested)
    own = _own(principal, kind, requested)
    if not principal.can(Perm.CONSORTIUM_TARGETS_MANAGE):
        raise Forbidden("Only the consortium admin accounts for each member and person")
    return Scope(kind, own)
