from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from common.errors import ValidationFailed
from services.referrals.domain.codes import Basis, ExceptionCode, SupportMeetingLaw
from services.referrals.domain.gate import (
    ConsentView,
    LegalBasis,
    MeetingRecord,
    OrgView,
    check_provision,
    choose_basis,
    consent_errors,
    meeting_errors,
    receiver_errors,
    record_keeping_errors,
)

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
CASE = uuid.uuid4()
RECEIVER = uuid.uuid4()
CONSORTIUM = uuid.uuid4()


def consent(**changes: object) -> ConsentView:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "case_id": CASE,
        "to_org_ids": frozenset({RECEIVER}),
        "categories": frozenset({"identity", "contact", "history"}),
        "obtained_at": NOW - timedelta(days=3),
        "expires_at": NOW + timedelta(days=30),
        "withdrawn_at": None,
        "active": True,
        "given_by": "self",
    }
    values.update(changes)
    return ConsentView(**values)  # type: ignore[arg-type]


def codes(errors: list) -> list[str]:  # type: ignore[type-arg]
    return [e.code for e in errors]


def basis(**kwargs: object) -> LegalBasis:
    values: dict[str, object] = {
        "consent_id": None,
        "exception_code": None,
        "exception_reason": None,
        "anonymous": False,
        "categories": ["identity"],
    }
    values.update(kwargs)
    return choose_basis(**values)  # type: ignore[arg-type]


def test_a_consent_that_names_the_receiver_and_covers_every_category_lets_the_referral_go() -> None:
    given = consent()
    assert (
        consent_errors(
            consent=given,
            consent_id=given.id,
            case_id=CASE,
            to_org_id=RECEIVER,
            categories=["identity", "history"],
            now=NOW,
        )
        == []
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"withdrawn_at": NOW - timedelta(hours=1), "active": False}, "consent_withdrawn"),
        ({"expires_at": NOW - timedelta(seconds=1), "active": False}, "consent_expired"),
        ({"expires_at": NOW}, "consent_expired"),
        ({"active": False}, "consent_inactive"),
        # The shared rule (common.consent) sees a consent obtained ahead of now as pending.
        ({"obtained_at": NOW + timedelta(hours=1)}, "consent_inactive"),
        ({"to_org_ids": frozenset({uuid.uuid4()})}, "consent_receiver_not_named"),
        ({"categories": frozenset({"identity"})}, "consent_category_missing"),
        ({"case_id": uuid.uuid4()}, "consent_not_found"),
        ({"given_by": "family"}, "consent_given_by_family"),
        ({"given_by": None}, "consent_given_by_family"),
    ],
)
def test_a_consent_is_refused_when(changes: dict[str, object], code: str) -> None:
    given = consent(**changes)
    errors = consent_errors(
        consent=given,
        consent_id=given.id,
        case_id=CASE,
        to_org_id=RECEIVER,
        categories=["identity", "history"],
        now=NOW,
    )
    assert code in codes(errors)


def test_sensitive_data_needs_a_consent_that_names_sensitive() -> None:
    given = consent()
    errors = consent_errors(
        consent=given,
        consent_id=given.id,
        case_id=CASE,
        to_org_id=RECEIVER,
        categories=["identity", "sensitive"],
        now=NOW,
    )
    assert codes(errors) == ["consent_category_missing"]
    assert "sensitive" in errors[0].message


def test_a_withdrawal_heard_on_the_queue_wins_over_an_answer_that_says_active() -> None:
    given = consent()
    errors = consent_errors(
        consent=given,
        consent_id=given.id,
        case_id=CASE,
        to_org_id=RECEIVER,
        categories=["identity"],
        now=NOW,
        withdrawn_locally=True,
    )
    assert codes(errors) == ["consent_withdrawn"]


def test_a_missing_consent_or_another_consents_answer_is_not_found() -> None:
    assert codes(
        consent_errors(
            consent=None,
            consent_id=uuid.uuid4(),
            case_id=CASE,
            to_org_id=RECEIVER,
            categories=["identity"],
            now=NOW,
        )
    ) == ["consent_not_found"]
    given = consent()
    assert codes(
        consent_errors(
            consent=given,
            consent_id=uuid.uuid4(),
            case_id=CASE,
            to_org_id=RECEIVER,
            categories=["identity"],
            now=NOW,
        )
    ) == ["consent_not_found"]


def test_every_problem_of_a_consent_is_reported_at_once() -> None:
    given = consent(active=False, to_org_ids=frozenset(), categories=frozenset())
    errors = consent_errors(
        consent=given,
        consent_id=given.id,
        case_id=CASE,
        to_org_id=RECEIVER,
        categories=["contact"],
        now=NOW,
    )
    assert codes(errors) == [
        "consent_inactive",
        "consent_receiver_not_named",
        "consent_category_missing",
    ]
    assert [e.field for e in errors] == ["consent_id", "to_org_id", "categories"]


def test_exactly_one_legal_basis_is_required() -> None:
    with pytest.raises(ValidationFailed) as none:
        basis()
    assert codes(none.value.errors) == ["basis_required"]
    with pytest.raises(ValidationFailed) as two:
        basis(consent_id=uuid.uuid4(), anonymous=True)
    assert codes(two.value.errors) == ["basis_ambiguous"]
    with pytest.raises(ValidationFailed) as three:
        basis(
            consent_id=uuid.uuid4(),
            exception_code=ExceptionCode.LIFE_BODY_PROPERTY,
            exception_reason="x",
            anonymous=True,
        )
    assert codes(three.value.errors) == ["basis_ambiguous"]


def test_a_statutory_exception_needs_its_reason_and_never_carries_sensitive_data() -> None:
    with pytest.raises(ValidationFailed) as caught:
        basis(
            exception_code=ExceptionCode.LIFE_BODY_PROPERTY,
            exception_reason="  ",
            categories=["identity", "sensitive"],
        )
    assert codes(caught.value.errors) == ["missing", "sensitive_needs_consent"]
    chosen = basis(
        exception_code=ExceptionCode.PUBLIC_BODY_COOPERATION, exception_reason="市の要請"
    )
    assert chosen == LegalBasis(
        Basis.EXCEPTION, None, ExceptionCode.PUBLIC_BODY_COOPERATION, "市の要請"
    )


def test_an_anonymous_referral_carries_no_categories() -> None:
    with pytest.raises(ValidationFailed) as caught:
        basis(anonymous=True, categories=["identity"])
    assert codes(caught.value.errors) == ["anonymous_with_categories"]
    assert basis(anonymous=True, categories=[]).basis is Basis.ANONYMOUS


def test_a_named_referral_carries_at_least_one_category() -> None:
    with pytest.raises(ValidationFailed) as caught:
        basis(consent_id=uuid.uuid4(), categories=[])
    assert codes(caught.value.errors) == ["categories_required"]


def test_only_consent_based_referrals_go_through_the_consent_gate() -> None:
    check_provision(
        basis=LegalBasis(Basis.ANONYMOUS),
        consent=None,
        case_id=CASE,
        to_org_id=RECEIVER,
        categories=[],
        now=NOW,
    )
    with pytest.raises(ValidationFailed):
        check_provision(
            basis=LegalBasis(Basis.CONSENT, consent_id=uuid.uuid4()),
            consent=None,
            case_id=CASE,
            to_org_id=RECEIVER,
            categories=["identity"],
            now=NOW,
        )


def org(**changes: object) -> OrgView:
    values: dict[str, object] = {
        "org_id": RECEIVER,
        "consortium_id": CONSORTIUM,
        "name": "サポステ",
        "kind": "support_station",
        "status": "active",
    }
    values.update(changes)
    return OrgView(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("receiver", "code"),
    [
        (None, "receiver_outside_consortium"),
        (org(consortium_id=uuid.uuid4()), "receiver_outside_consortium"),
        (org(status="suspended"), "receiver_suspended"),
        (org(org_id=uuid.UUID(int=7)), "receiver_is_self"),
    ],
)
def test_the_receiver_must_be_another_active_member_of_the_consortium(
    receiver: OrgView | None, code: str
) -> None:
    errors = receiver_errors(
        sender_org_id=uuid.UUID(int=7), consortium_id=CONSORTIUM, receiver=receiver
    )
    assert codes(errors) == [code]
    assert errors[0].field == "to_org_id"


def test_an_active_member_of_the_consortium_may_receive() -> None:
    assert (
        receiver_errors(sender_org_id=uuid.uuid4(), consortium_id=CONSORTIUM, receiver=org()) == []
    )


@pytest.mark.parametrize(
    ("giver", "representation"),
    [("self", None), ("legal_representative", "minor"), ("legal_representative", "guardianship")],
)
def test_the_persons_own_or_a_legal_representatives_consent_lets_the_referral_go(
    giver: str, representation: str | None
) -> None:
    given = consent(given_by=giver, representative_basis=representation)
    errors = consent_errors(
        consent=given,
        consent_id=given.id,
        case_id=CASE,
        to_org_id=RECEIVER,
        categories=["identity"],
        now=NOW,
    )
    assert errors == []


def test_a_family_members_consent_is_refused_on_the_consent_field() -> None:
    given = consent(given_by="family")
    with pytest.raises(ValidationFailed) as caught:
        check_provision(
            basis=LegalBasis(Basis.CONSENT, consent_id=given.id),
            consent=given,
            case_id=CASE,
            to_org_id=RECEIVER,
            categories=["identity"],
            now=NOW,
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("consent_id", "consent_given_by_family")
    ]


SENDER = uuid.UUID(int=7)
TODAY = date(2026, 6, 1)


def meeting(**changes: object) -> MeetingRecord:
    values: dict[str, object] = {
        "law": SupportMeetingLaw.SEIKATSU_KONKYU_9,
        "constituted_by": "甲府市 生活福祉課",
        "held_on": TODAY,
        "member_org_ids": (SENDER, RECEIVER),
    }
    values.update(changes)
    return MeetingRecord(**values)  # type: ignore[arg-type]


def test_a_support_meeting_is_a_basis_of_its_own_that_may_carry_sensitive_data() -> None:
    chosen = basis(meeting=meeting(), categories=["identity", "sensitive"])
    assert chosen.basis is Basis.SUPPORT_MEETING
    assert chosen.meeting == meeting()
    with pytest.raises(ValidationFailed) as two:
        basis(meeting=meeting(), consent_id=uuid.uuid4())
    assert codes(two.value.errors) == ["basis_ambiguous"]


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"held_on": TODAY + timedelta(days=1)}, "support_meeting.held_on", "in_future"),
        ({"constituted_by": " "}, "support_meeting.constituted_by", "missing"),
        ({"member_org_ids": (SENDER,)}, "support_meeting.member_org_ids", "not_a_meeting_member"),
        (
            {"member_org_ids": (RECEIVER, uuid.UUID(int=9))},
            "support_meeting.member_org_ids",
            "not_a_meeting_member",
        ),
        (
            {"member_org_ids": (SENDER, RECEIVER, uuid.uuid4())},
            "support_meeting.member_org_ids.2",
            "unknown_org",
        ),
        (
            {"member_org_ids": (SENDER, RECEIVER, SENDER)},
            "support_meeting.member_org_ids",
            "duplicate",
        ),
    ],
)
def test_a_support_meeting_is_refused_when(
    changes: dict[str, object], field: str, code: str
) -> None:
    errors = meeting_errors(
        meeting(**changes),
        sender_org_id=SENDER,
        to_org_id=RECEIVER,
        known_org_ids=frozenset({SENDER, RECEIVER, uuid.UUID(int=9)}),
        today=TODAY,
    )
    assert (field, code) in [(e.field, e.code) for e in errors]


def test_a_support_meeting_of_both_members_that_has_met_is_sound() -> None:
    errors = meeting_errors(
        meeting(),
        sender_org_id=SENDER,
        to_org_id=RECEIVER,
        known_org_ids=frozenset({SENDER, RECEIVER}),
        today=TODAY,
    )
    assert errors == []


def test_both_sides_need_an_address_and_a_representative_on_file() -> None:
    on_file = {"address": "甲府市丸の内1-1-1", "representative": "理事長 山梨 花子"}
    sender = org(org_id=SENDER, **on_file)
    assert record_keeping_errors(sender, org(**on_file)) == []
    assert codes(record_keeping_errors(sender, org(address="甲府市", representative=None))) == [
        "receiver_record_incomplete"
    ]
    assert codes(record_keeping_errors(org(org_id=SENDER), org(**on_file))) == [
        "sender_record_incomplete"
    ]
    assert codes(record_keeping_errors(None, org())) == [
        "sender_record_incomplete",
        "receiver_record_incomplete",
    ]
