"""Invitations: a single-use link that lets an invited person set their password."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import NotFound, ValidationFailed
from common.mail import queue_mail
from services.auth.domain import secrets as sec
from services.auth.domain.passwords import password_problems
from services.auth.mails import invitation_mail
from services.auth.models import Invitation, MailOutbox, User
from services.auth.operations import AuthDeps
from services.auth.operations.common import audit, principal_for, user_as_dict
from services.auth.schemas import InvitationAccept


def _live_invitation(session: Session, token: str) -> Invitation:
    row = session.scalar(sa.select(Invitation).where(Invitation.token_hash == sec.digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise NotFound("This invitation is unknown, used or expired")
    return row


def invitation_details(session: Session, token: str) -> dict[str, Any]:
    row = _live_invitation(session, token)
    user = session.get(User, row.user_id)
    assert user is not None
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "org_name": user.org.name if user.org else None,
        "expires_at": row.expires_at.isoformat(),
    }


def accept_invitation(
    session: Session, deps: AuthDeps, token: str, body: InvitationAccept
) -> dict[str, Any]:
    row = _live_invitation(session, token)
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotFound("This invitation is unknown, used or expired")
    name = body.name or user.name
    problems = password_problems(body.password, context=(user.email, name), demo=deps.settings.demo)
    if problems:
        raise ValidationFailed(problems)
    user.password_hash = deps.hashing.hash(body.password)
    user.name = name
    row.used_at = utcnow()
    audit(session, principal_for(user), "invitation.accept", "user", user.id, org_id=user.org_id)
    session.commit()
    return {"user": user_as_dict(user)}


def issue_invitation(
    session: Session, deps: AuthDeps, user: User, created_by: uuid.UUID | None
) -> dict[str, Any]:
    """A fresh single-use invitation (earlier unused ones stop working), e-mailed to the
    invitee through the mail outbox in the caller's transaction. The answer holds the token
    and link; the caller decides whether its own caller may see them."""
    now = utcnow()
    session.execute(
        sa.update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(expires_at=now)
    )
    token = sec.new_secret()
    expires_at = now + timedelta(days=deps.settings.invitation_days)
    session.add(
        Invitation(
            user_id=user.id,
            token_hash=sec.digest(token),
            created_by=created_by,
            expires_at=expires_at,
        )
    )
    url = f"{deps.settings.public_url}/invitations/{token}"
    mail = invitation_mail(
        to=user.email,
        name=user.name,
        org=user.org.name if user.org else "Tsunagu",
        url=url,
        expires_at=expires_at,
    )
    queue_mail(session, MailOutbox, deps.secrets, mail, kind="invitation", not_after=expires_at)
    return {
        "sent_to": user.email,
        "token": token,
        "url": url,
        "expires_at": expires_at.isoformat(),
    }


def as_answer(invitation: dict[str, Any], *, hand_over: bool) -> dict[str, Any]:
    """The invitation as the inviter sees it: without token and link unless ``hand_over``."""
    if hand_over:
        return invitation
    return {k: v for k, v in invitation.items() if k not in {"token", "url"}}
