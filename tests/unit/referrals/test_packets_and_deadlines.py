from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from common.clock import JST
from services.referrals.domain.codes import Category, Urgency
from services.referrals.domain.deadlines import (
    default_respond_by,
    due_at,
    is_overdue,
    left_unanswered,
    respond_by_errors,
)
from services.referrals.domain.packets import data_items, for_reader, shape_packet
from services.referrals.domain.policy import ReferralPolicy
from services.referrals.domain.states import Action, Status

FULL = {
    "categories": ["identity", "contact", "history", "support_record", "sensitive"],
    "anonymous": False,
    "person": {
        "age_band": "40s",
        "gender": "male",
        "display_name": "山田 太郎",
        "kana": "ヤマダ タロウ",
        "birth_year": 1982,
        "municipality": "甲府市",
    },
    "contact": {"phone": "090-0000-0000"},
    "history": {"contacts": [{"channel": "phone", "by": "family"}]},
    "support_record": {"stage": "preparation", "activities": [], "outcomes": []},
    "sensitive": {"notes": [{"category": "illness", "body": "通院中"}]},
    "secret_extra": {"should": "never pass"},
}


def test_a_packet_keeps_only_the_chosen_categories_whatever_the_other_side_sent() -> None:
    packet = shape_packet(FULL, [Category.HISTORY], anonymous=False)
    assert packet == {
        "categories": ["history"],
        "anonymous": False,
        "person": {"age_band": "40s", "gender": "male"},
        "history": FULL["history"],
    }


def test_identity_fields_come_only_with_the_identity_category() -> None:
    packet = shape_packet(FULL, [Category.IDENTITY, Category.CONTACT], anonymous=False)
    assert packet["person"]["display_name"] == "山田 太郎"
    assert packet["contact"] == {"phone": "090-0000-0000"}
    assert "sensitive" not in packet
    assert "secret_extra" not in packet


def test_an_anonymous_packet_is_bare() -> None:
    assert shape_packet(FULL, [Category.IDENTITY], anonymous=True) == {
        "categories": [],
        "anonymous": True,
        "person": {"age_band": "40s", "gender": "male"},
    }


def test_missing_attributes_read_unknown() -> None:
    assert shape_packet({}, [], anonymous=True)["person"] == {
        "age_band": "unknown",
        "gender": "unknown",
    }


def test_sensitive_notes_are_redacted_for_a_reader_without_the_permission() -> None:
    packet = shape_packet(FULL, [Category.SENSITIVE], anonymous=False)
    assert for_reader(packet, may_read_sensitive=False)["sensitive"] == {"redacted": True}
    assert for_reader(packet, may_read_sensitive=True)["sensitive"] == FULL["sensitive"]
    assert packet["sensitive"] == FULL["sensitive"]  # the snapshot itself is untouched


def test_the_data_items_of_the_provision_record_name_every_category() -> None:
    assert data_items([Category.IDENTITY, Category.SENSITIVE], anonymous=False) == [
        "attributes",
        "identity",
        "sensitive",
    ]
    assert data_items([], anonymous=True) == ["attributes"]


def test_a_respond_by_date_lasts_until_the_end_of_that_day_in_japan() -> None:
    due = due_at(date(2026, 5, 5))
    assert due == datetime(2026, 5, 6, 0, 0, tzinfo=JST)
    last_minute = datetime(2026, 5, 5, 23, 59, tzinfo=JST)
    assert not is_overdue(Status.SENT, due, last_minute)
    assert is_overdue(Status.VIEWED, due, due)
    assert not is_overdue(Status.ACCEPTED, due, due + timedelta(days=9))


def test_a_respond_by_date_in_the_past_is_refused_but_today_is_fine() -> None:
    now = datetime(2026, 5, 5, 16, 0, tzinfo=UTC)  # 01:00 JST on 6 May
    assert [e.code for e in respond_by_errors(date(2026, 5, 5), now)] == ["in_past"]
    assert respond_by_errors(date(2026, 5, 6), now) == []
    assert [e.code for e in respond_by_errors(date(2028, 5, 6), now)] == ["too_far"]


def test_the_default_respond_by_follows_the_policy_and_the_urgency() -> None:
    policy = ReferralPolicy(default_respond_days=10, urgent_respond_days=2)
    sent = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # 1 April in Japan
    assert default_respond_by(sent, Urgency.NORMAL, policy) == date(2026, 4, 11)
    assert default_respond_by(sent, Urgency.URGENT, policy) == date(2026, 4, 3)


def test_an_unanswered_referral_is_flagged_once_after_the_policys_days() -> None:
    policy = ReferralPolicy(unanswered_days=7, urgent_unanswered_days=1)
    sent = datetime(2026, 4, 1, tzinfo=UTC)
    early = sent + timedelta(days=6)
    late = sent + timedelta(days=7)
    assert not left_unanswered(Status.SENT, sent, Urgency.NORMAL, None, early, policy)
    assert left_unanswered(Status.VIEWED, sent, Urgency.NORMAL, None, late, policy)
    assert not left_unanswered(Status.VIEWED, sent, Urgency.NORMAL, late, late, policy)
    assert not left_unanswered(Status.ACCEPTED, sent, Urgency.NORMAL, None, late, policy)
    assert left_unanswered(
        Status.SENT, sent, Urgency.URGENT, None, sent + timedelta(days=1), policy
    )


def test_the_two_person_rule_turns_a_decline_into_a_request() -> None:
    assert ReferralPolicy().decline_action() is Action.DECLINE
    assert (
        ReferralPolicy(decline_requires_center_confirmation=True).decline_action()
        is Action.REQUEST_DECLINE
    )


def test_an_urgent_decline_goes_to_the_center_whenever_there_is_one() -> None:
    policy = ReferralPolicy()
    assert policy.decline_action(urgent=True) is Action.REQUEST_DECLINE
    assert policy.decline_action(urgent=True, center_exists=False) is Action.DECLINE
    strict = ReferralPolicy(decline_requires_center_confirmation=True)
    assert strict.decline_action(center_exists=False) is Action.DECLINE


def test_the_sender_is_told_what_to_do_next() -> None:
    from services.referrals.domain.codes import Urgency
    from services.referrals.domain.next_steps import next_step
    from services.referrals.domain.states import Status

    urgent, normal = Urgency.URGENT, Urgency.NORMAL
    assert next_step(Status.ACCEPTED, urgent, center_known=True) is None
    waiting = next_step(Status.DECLINE_REQUESTED, urgent, center_known=True)
    assert waiting is not None
    assert waiting.code == "center_reviewing"
    declined = next_step(Status.DECLINED, urgent, center_known=False)
    assert declined is not None
    assert (declined.code, declined.actions) == ("refer_elsewhere_urgently", ("new_referral",))
    expired = next_step(Status.EXPIRED, normal, center_known=True)
    assert expired is not None
    assert expired.code == "refer_elsewhere"
