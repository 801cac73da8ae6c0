"""The packet port: asking the cases service, on behalf of the sender, for the packet of
one case (docs/events.md "The referral packet").

``GET {cases}/cases/{case_id}/packet?categories=a,b&to_org_id=..&consent_id=..`` with the
sender's own principal token, so the cases service authorizes the read exactly as if the
sender asked: it answers 404 for a case that is not the sender's. Tests stand in for the
cases service with any object that has ``fetch``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from common.errors import FieldError, Forbidden, Unavailable, ValidationFailed
from common.http.client import ServiceClient, UpstreamTimeout, UpstreamUnavailable
from services.referrals.domain.gate import ConsentView


@dataclass(frozen=True)
class PacketRequest:
    case_id: uuid.UUID
    categories: Sequence[str]
    to_org_id: uuid.UUID
    consent_id: uuid.UUID | None
    anonymous: bool = False


@dataclass(frozen=True)
class PacketAnswer:
    case_id: uuid.UUID
    person_key: uuid.UUID
    packet: dict[str, Any]
    consent: ConsentView | None


class CaseNotFound(Exception):
    """The case is unknown, or not the sender's: the cases service does not say which."""


class PacketSource(Protocol):
    def fetch(self, token: str, request: PacketRequest) -> PacketAnswer: ...


def _dt(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    return datetime.fromisoformat(str(value))


def parse_consent(raw: Any) -> ConsentView | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValueError("consent is not an object")
    return ConsentView(
        id=uuid.UUID(str(raw["id"])),
        case_id=uuid.UUID(str(raw["case_id"])),
        to_org_ids=frozenset(uuid.UUID(str(o)) for o in raw.get("to_org_ids") or ()),
        categories=frozenset(str(c) for c in raw.get("categories") or ()),
        obtained_at=_dt(raw.get("obtained_at")),
        expires_at=_dt(raw.get("expires_at")),
        withdrawn_at=_dt(raw.get("withdrawn_at")),
        active=bool(raw.get("active")),
        given_by=str(raw["given_by"]) if raw.get("given_by") else None,
        representative_basis=(
            str(raw["representative_basis"]) if raw.get("representative_basis") else None
        ),
    )


def parse_answer(raw: Any) -> PacketAnswer:
    """The cases service's answer; ValueError when it is not the documented shape."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("packet"), Mapping):
        raise ValueError("packet answer is not an object with a packet")
    try:
        return PacketAnswer(
            case_id=uuid.UUID(str(raw["case_id"])),
            person_key=uuid.UUID(str(raw["person_key"])),
            packet=dict(raw["packet"]),
            consent=parse_consent(raw.get("consent")),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"packet answer is malformed: {exc}") from exc


class HttpPacketSource:
    """The real port: one keep-alive connection per thread to the cases service."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.client = ServiceClient(base_url, timeout=timeout)

    def close(self) -> None:
        """Close this thread's connection (tests; a process just exits)."""
        self.client.close()

    def fetch(self, token: str, request: PacketRequest) -> PacketAnswer:
        params: dict[str, Any] = {
            "categories": ",".join(request.categories),
            "to_org_id": str(request.to_org_id),
            "consent_id": str(request.consent_id) if request.consent_id else None,
            "anonymous": "true" if request.anonymous else None,
            "purpose": "referral",  # the cases service's audit entry says why it was read
        }
        try:
            response = self.client.call(
                "GET", f"/cases/{request.case_id}/packet", token=token, params=params
            )
        except (UpstreamUnavailable, UpstreamTimeout) as exc:
            raise Unavailable("The case records cannot be reached; try again shortly") from exc
        if response.status == 404:
            raise CaseNotFound(str(request.case_id))
        if response.status == 403:
            raise Forbidden("You may not share this case")
        if response.status == 422:
            raise ValidationFailed(_field_errors(response.json()))
        if response.status != 200:
            raise Unavailable(f"The case records answered {response.status}")
        try:
            return parse_answer(response.json())
        except ValueError as exc:
            raise Unavailable("The case records answered with an unexpected packet") from exc


def _field_errors(problem: Any) -> list[FieldError]:
    errors = problem.get("errors") if isinstance(problem, Mapping) else None
    out = [
        FieldError(
            str(e.get("field", "body")),
            str(e.get("message", "invalid")),
            str(e.get("code", "invalid")),
        )
        for e in errors or ()
        if isinstance(e, Mapping)
    ]
    return out or [FieldError("case_id", "The case records refused the packet", "packet_refused")]
