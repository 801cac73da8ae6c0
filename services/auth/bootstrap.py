"""First-start set-up of the auth service: the platform admin."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import ValidationFailed
from common.permissions import Role
from services.auth.domain.passwords import PasswordHashing, password_problems
from services.auth.models import User


def ensure_platform_admin(
    session: Session, hashing: PasswordHashing, email: str, password: str | None
) -> str | None:
    """Create the platform admin once. Returns a generated password when none was given
    (to be printed once), otherwise None. A later start never changes an existing admin."""
    email = email.strip().lower()
    existing = session.scalar(sa.select(User).where(User.role == Role.PLATFORM_ADMIN))
    if existing is not None:
        return None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(15)
    problems = password_problems(password, context=(email,))
    if problems:
        raise ValidationFailed(problems, "TSUNAGU_ADMIN_PASSWORD is too weak")
    session.add(
        User(
            org_id=None,
            email=email,
            name="プラットフォーム管理者",
            role=Role.PLATFORM_ADMIN.value,
            active=True,
            password_hash=hashing.hash(password),
        )
    )
    session.commit()
    return generated
