"""Referral flow arithmetic, and who may read which scope."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import Forbidden, NotFound
from common.testing.principals import Tenant, make_principal
from services.reports.domain.access import ScopeKind, manageable_scope, readable_scope
from services.reports.domain.referrals import ReferralTimes, flow

A, B, C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
T0 = datetime(2020, 7, 1, tzinfo=UTC)


def referral(sender: uuid.UUID, receiver: uuid.UUID, **times: datetime | None) -> ReferralTimes:
    fields = {
        f"{s}_at": times.get(s)
        for s in ("sent", "viewed", "accepted", "declined", "withdrawn", "completed", "expired")
    }
    return ReferralTimes(uuid.uuid4(), sender, receiver, **fields)


def test_each_edge_counts_the_statuses_reached_and_the_median_hours_to_accept() -> None:
    items = [
        referral(
            A, B, sent=T0, accepted=T0 + timedelta(hours=10), completed=T0 + timedelta(days=9)
        ),
        referral(A, B, sent=T0, accepted=T0 + timedelta(hours=30)),
        referral(A, B, sent=T0, declined=T0 + timedelta(hours=1)),
        referral(A, C, accepted=T0),  # its referral.sent is late: sent, but no time to accept
    ]
    result = flow(items)
    ab, ac = result["edges"] if result["edges"][0]["to_org_id"] == str(B) else result["edges"][::-1]
    assert (ab["sent"], ab["accepted"], ab["declined"], ab["completed"]) == (3, 2, 1, 1)
    assert ab["median_hours_to_acceptance"] == 20.0
    assert (ac["sent"], ac["accepted"], ac["median_hours_to_acceptance"]) == (1, 1, None)
    assert result["total"]["sent"] == 4
    assert items[0].status == "completed"
    assert items[2].status == "declined"


def test_readers_get_their_own_scope_and_nothing_else() -> None:
    npo = Tenant.new("npo")
    staff = make_principal(npo)
    assert readable_scope(staff, ScopeKind.ORG).id == npo.org_id
    with pytest.raises(NotFound):
        readable_scope(staff, ScopeKind.ORG, uuid.uuid4())
    with pytest.raises(Forbidden):
        readable_scope(staff, ScopeKind.CONSORTIUM)
    with pytest.raises(NotFound):  # another consortium: not found before forbidden
        readable_scope(staff, ScopeKind.CONSORTIUM, uuid.uuid4())
    center = make_principal(Tenant.new("prefectural_center"))
    scope = readable_scope(center, ScopeKind.CONSORTIUM)
    assert scope.aggregates_only
    with pytest.raises(Forbidden):
        manageable_scope(center, ScopeKind.CONSORTIUM)
    admin = make_principal(Tenant.new("prefectural_center"), role="consortium_admin")
    assert manageable_scope(admin, ScopeKind.CONSORTIUM).kind is ScopeKind.CONSORTIUM
