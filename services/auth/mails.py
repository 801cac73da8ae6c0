"""The mail the auth service sends, built from the bilingual templates in ``mail/``
(Japanese first, English second: the recipient's language is not known yet).

Mail names staff and organizations only, never a supported person."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from string import Template

from common.clock import JST
from common.mail import Mail

TEMPLATES = Path(__file__).parent / "mail"


def _render(template: str, to: str, **values: str) -> Mail:
    subject, _, body = (TEMPLATES / f"{template}.txt").read_text(encoding="utf-8").partition("\n")
    return Mail(
        to=to,
        subject=Template(subject).substitute(values),
        text=Template(body).substitute(values),
    )


def _when(at: datetime) -> tuple[str, str]:
    local = at.astimezone(JST)
    return (
        f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}",
        f"{local:%d %b %Y %H:%M} JST",
    )


def invitation_mail(*, to: str, name: str, org: str, url: str, expires_at: datetime) -> Mail:
    expires_ja, expires_en = _when(expires_at)
    return _render(
        "invitation",
        to,
        name=name,
        org=org,
        url=url,
        expires_ja=expires_ja,
        expires_en=expires_en,
    )


def user_added_notice(
    *, to: str, org: str, actor: str, name: str, email: str, role: str, url: str
) -> Mail:
    return _render(
        "user_added", to, org=org, actor=actor, name=name, email=email, role=role, url=url
    )
