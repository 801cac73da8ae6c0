"""The thread between the two orgs on a referral."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, Forbidden
from common.pagination import keyset_list
from common.permissions import Perm
from common.principal import Principal
from common.schemas import PageQuery
from services.referrals.domain.states import OPEN_FOR_MESSAGES, Status
from services.referrals.models import ReferralMessage
from services.referrals.operations import ReferralDeps
from services.referrals.operations.common import (
    audit_referral,
    load_for_party,
    notify,
    other_party,
    require,
)
from services.referrals.operations.reading import mark_read


def message_as_dict(message: ReferralMessage) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "referral_id": str(message.referral_id),
        "org_id": str(message.org_id),
        "author_id": str(message.author_id),
        "author_name": message.author_name,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }


def list_messages(
    session: Session, principal: Principal, referral_id: uuid.UUID, query: PageQuery
) -> dict[str, Any]:
    referral = load_for_party(session, principal, referral_id)
    require(principal, Perm.REFERRAL_READ, "Your role may not read referrals")
    stmt = sa.select(ReferralMessage).where(ReferralMessage.referral_id == referral.id)
    page = keyset_list(
        session, stmt, [ReferralMessage.created_at, ReferralMessage.id], query.cursor, query.limit
    )
    mark_read(session, principal, referral.id)
    audit_referral(session, principal, "referral.messages.read", referral)
    session.commit()
    return page.as_dict(message_as_dict)


def post_message(
    session: Session, deps: ReferralDeps, principal: Principal, referral_id: uuid.UUID, body: str
) -> dict[str, Any]:
    referral = load_for_party(session, principal, referral_id)
    if not (principal.can(Perm.REFERRAL_SEND) or principal.can(Perm.REFERRAL_RESPOND)):
        raise Forbidden("Your role may not write on referrals")
    if Status(referral.status) not in OPEN_FOR_MESSAGES:
        raise Conflict(
            f"The thread of a {referral.status} referral is closed",
            code=f"referral_{referral.status}",
        )
    assert principal.org_id is not None
    message = ReferralMessage(
        id=uuid.uuid4(),
        referral_id=referral.id,
        org_id=principal.org_id,
        author_id=principal.user_id,
        author_name=principal.name,
        body=body,
        created_at=deps.now(),
    )
    session.add(message)
    notify(
        session,
        referral,
        [other_party(referral, principal.org_id)],
        "message_posted",
        actor_org_id=principal.org_id,
    )
    audit_referral(
        session,
        principal,
        "referral.message.post",
        referral,
        details={"message_id": str(message.id)},
    )
    session.commit()
    return message_as_dict(message)
