"""The consent gate (APPI art. 27): every refusal is a 422 with the field at fault, and
writes nothing — no referral, no record, no notice, no event, no audit entry."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from common.clock import jst_date, utcnow
from common.orgdirectory import apply_org_event
from services.referrals.models import ConsentFact, OrgDirectoryEntry
from tests.service.referrals.world import Member, World, org_event

Setup = Callable[[World], dict[str, Any]]


def _consent(world: World, categories: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
    case_id, consent_id = world.case_with_consent(categories, **kwargs)
    return {"case_id": str(case_id), "consent_id": str(consent_id)}


def consent_withdrawn(world: World) -> dict[str, Any]:
    return _consent(world, withdrawn_at=utcnow() - timedelta(hours=1))


def consent_expired(world: World) -> dict[str, Any]:
    return _consent(world, expires_at=utcnow() - timedelta(minutes=1))


def consent_inactive(world: World) -> dict[str, Any]:
    return _consent(world, active=False)


def consent_withdrawn_as_heard_on_the_queue(world: World) -> dict[str, Any]:
    body = _consent(world)
    with world.sessions() as session:
        session.add(ConsentFact(consent_id=uuid.UUID(body["consent_id"]), withdrawn_at=utcnow()))
        session.commit()
    return body


def consent_names_another_receiver(world: World) -> dict[str, Any]:
    return _consent(world, to=world.third)


def consent_misses_a_category(world: World) -> dict[str, Any]:
    return _consent(world, ["identity"]) | {"categories": ["identity", "contact"]}


def sensitive_not_named_by_the_consent(world: World) -> dict[str, Any]:
    return _consent(world, ["identity", "history"]) | {"categories": ["identity", "sensitive"]}


def consent_of_another_case(world: World) -> dict[str, Any]:
    other = _consent(world)
    mine = _consent(world)
    return {"case_id": mine["case_id"], "consent_id": other["consent_id"]}


def unknown_consent(world: World) -> dict[str, Any]:
    return _consent(world) | {"consent_id": str(uuid.uuid4())}


def no_legal_basis(world: World) -> dict[str, Any]:
    return {"case_id": _consent(world)["case_id"]}


def two_legal_bases(world: World) -> dict[str, Any]:
    return _consent(world) | {"anonymous": True}


def exception_without_reason(world: World) -> dict[str, Any]:
    return {
        "case_id": _consent(world)["case_id"],
        "exception": {"code": "life_body_property", "reason": "  "},
    }


def exception_with_sensitive_data(world: World) -> dict[str, Any]:
    return {
        "case_id": _consent(world)["case_id"],
        "exception": {"code": "public_health_child", "reason": "児童相談所の要請"},
        "categories": ["identity", "sensitive"],
    }


def anonymous_with_categories(world: World) -> dict[str, Any]:
    return {"case_id": _consent(world)["case_id"], "anonymous": True, "categories": ["identity"]}


def receiver_suspended(world: World) -> dict[str, Any]:
    return _consent(world, to=world.suspended) | {"to_org_id": str(world.suspended.org_id)}


def receiver_outside_the_consortium(world: World) -> dict[str, Any]:
    return _consent(world, to=world.outsider) | {"to_org_id": str(world.outsider.org_id)}


def receiver_unknown(world: World) -> dict[str, Any]:
    return _consent(world) | {"to_org_id": str(uuid.uuid4())}


def receiver_is_the_sender(world: World) -> dict[str, Any]:
    return _consent(world, to=world.sender) | {"to_org_id": str(world.sender.org_id)}


def case_of_another_org(world: World) -> dict[str, Any]:
    case_id = world.cases.add_case(world.third.org_id)
    consent_id = world.cases.add_consent(case_id, [world.receiver.org_id], ["identity", "history"])
    return {"case_id": str(case_id), "consent_id": str(consent_id)}


def consent_given_by_a_family_member(world: World) -> dict[str, Any]:
    return _consent(world, given_by="family")


def _off_file(world: World, member: Member) -> None:
    with world.sessions() as session:
        apply_org_event(
            session, OrgDirectoryEntry, org_event(member, member.tenant.kind, on_file=False)
        )
        session.commit()


def sender_without_address_or_representative(world: World) -> dict[str, Any]:
    _off_file(world, world.sender)
    return _consent(world)


def receiver_without_address_or_representative(world: World) -> dict[str, Any]:
    _off_file(world, world.receiver)
    return _consent(world)


def _meeting(world: World, members: list[Member], **changes: Any) -> dict[str, Any]:
    case_id = world.cases.add_case(world.sender.org_id)
    meeting = {
        "law": "seikatsu_konkyu_9",
        "constituted_by": "甲府市 生活福祉課",
        "held_on": jst_date(utcnow()).isoformat(),
        "member_org_ids": [str(m.org_id) for m in members],
    } | changes
    return {"case_id": str(case_id), "support_meeting": meeting}


def support_meeting_the_receiver_did_not_sit_in(world: World) -> dict[str, Any]:
    return _meeting(world, [world.sender, world.third])


def support_meeting_not_yet_held(world: World) -> dict[str, Any]:
    tomorrow = jst_date(utcnow()) + timedelta(days=1)
    return _meeting(world, [world.sender, world.receiver], held_on=tomorrow.isoformat())


def support_meeting_with_an_outsider(world: World) -> dict[str, Any]:
    return _meeting(world, [world.sender, world.receiver, world.outsider])


def support_meeting_and_a_consent(world: World) -> dict[str, Any]:
    return _meeting(world, [world.sender, world.receiver]) | {
        "consent_id": _consent(world)["consent_id"]
    }


def respond_by_in_the_past(world: World) -> dict[str, Any]:
    return _consent(world) | {"respond_by": (jst_date(utcnow()) - timedelta(days=1)).isoformat()}


REFUSALS: list[tuple[Setup, str, str]] = [
    (consent_withdrawn, "consent_id", "consent_withdrawn"),
    (consent_withdrawn_as_heard_on_the_queue, "consent_id", "consent_withdrawn"),
    (consent_expired, "consent_id", "consent_expired"),
    (consent_inactive, "consent_id", "consent_inactive"),
    (consent_names_another_receiver, "to_org_id", "consent_receiver_not_named"),
    (consent_misses_a_category, "categories", "consent_category_missing"),
    (sensitive_not_named_by_the_consent, "categories", "consent_category_missing"),
    (consent_of_another_case, "consent_id", "consent_not_found"),
    (unknown_consent, "consent_id", "consent_not_found"),
    (no_legal_basis, "basis", "basis_required"),
    (two_legal_bases, "basis", "basis_ambiguous"),
    (exception_without_reason, "exception.reason", "string_too_short"),
    (exception_with_sensitive_data, "categories", "sensitive_needs_consent"),
    (anonymous_with_categories, "categories", "anonymous_with_categories"),
    (receiver_suspended, "to_org_id", "receiver_suspended"),
    (receiver_outside_the_consortium, "to_org_id", "receiver_outside_consortium"),
    (receiver_unknown, "to_org_id", "receiver_outside_consortium"),
    (receiver_is_the_sender, "to_org_id", "receiver_is_self"),
    (case_of_another_org, "case_id", "case_not_found"),
    (respond_by_in_the_past, "respond_by", "in_past"),
    (consent_given_by_a_family_member, "consent_id", "consent_given_by_family"),
    (sender_without_address_or_representative, "from_org", "sender_record_incomplete"),
    (receiver_without_address_or_representative, "to_org_id", "receiver_record_incomplete"),
    (
        support_meeting_the_receiver_did_not_sit_in,
        "support_meeting.member_org_ids",
        "not_a_meeting_member",
    ),
    (support_meeting_not_yet_held, "support_meeting.held_on", "in_future"),
    (support_meeting_with_an_outsider, "support_meeting.member_org_ids.2", "unknown_org"),
    (support_meeting_and_a_consent, "basis", "basis_ambiguous"),
]


@pytest.mark.parametrize(
    ("setup", "field", "code"), REFUSALS, ids=[setup.__name__ for setup, _, _ in REFUSALS]
)
def test_a_referral_is_refused_and_nothing_is_written_or_told_when(
    world: World, setup: Setup, field: str, code: str
) -> None:
    body = setup(world)
    before = world.counts()
    response = world.send(**body)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in response.json["errors"]
    ]
    assert world.counts() == before
    for member in (world.sender, world.receiver, world.third, world.center):
        count = world.client.get("/notifications/unread-count", headers=member.headers()).json
        assert count["total"] == 0


def test_the_same_referral_goes_once_the_problem_is_fixed(world: World) -> None:
    body = _consent(world, ["identity", "history"])
    assert world.send(**body, categories=["identity", "contact"]).status_code == 422
    assert world.send(**body, categories=["identity", "history"]).status_code == 201


def test_the_receiver_is_checked_before_the_cases_service_is_asked(world: World) -> None:
    world.send(**receiver_suspended(world))
    assert world.cases.calls == []
