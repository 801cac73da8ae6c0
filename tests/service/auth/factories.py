"""Factories that put auth rows straight into the test's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from common.principal import Principal
from services.auth.models import Consortium, Organization, User
from services.auth.operations.common import principal_for

PASSWORD = "correct horse battery staple"
_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=2).hash(PASSWORD)


@dataclass
class Member:
    user_id: uuid.UUID
    email: str
    org_id: uuid.UUID | None
    consortium_id: uuid.UUID | None
    principal: Principal


class Factory:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def consortium(self, name: str | None = None, mfa_required: bool = False) -> uuid.UUID:
        with self.sessions() as session:
            row = Consortium(
                name=name or f"コンソーシアム {uuid.uuid4().hex[:6]}",
                prefecture="鹿児島県",
                mfa_required=mfa_required,
            )
            session.add(row)
            session.commit()
            return row.id

    def org(
        self,
        consortium_id: uuid.UUID,
        kind: str = "npo",
        status: str = "active",
        mfa_required: bool = False,
    ) -> uuid.UUID:
        with self.sessions() as session:
            row = Organization(
                consortium_id=consortium_id,
                name=f"団体 {uuid.uuid4().hex[:6]}",
                kind=kind,
                sector="private",
                status=status,
                mfa_required=mfa_required,
            )
            session.add(row)
            session.commit()
            return row.id

    def user(
        self,
        org_id: uuid.UUID | None,
        role: str = "staff",
        *,
        active: bool = True,
        joined: bool = True,
    ) -> Member:
        with self.sessions() as session:
            email = f"{role}-{uuid.uuid4().hex[:8]}@example.jp"
            row = User(
                org_id=org_id,
                email=email,
                name=f"{role} さん",
                role=role,
                active=active,
                password_hash=_HASH if joined else None,
            )
            session.add(row)
            session.commit()
            session.refresh(row)
            principal = principal_for(row, session_id=None)
            org = row.org
            return Member(row.id, email, org_id, org.consortium_id if org else None, principal)

    def tenant(
        self, kind: str = "npo", role: str = "org_admin", consortium_id: uuid.UUID | None = None
    ) -> Member:
        consortium_id = consortium_id or self.consortium()
        return self.user(self.org(consortium_id, kind), role)
