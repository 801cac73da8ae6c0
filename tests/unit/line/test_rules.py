"""Sending verdicts, the rate limiter, risk words, pseudonyms and the fiscal year of a
follow (JST date)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from common.clock import JST
from common.fiscal import fiscal_year_of
from services.line.domain.pseudonyms import user_hash
from services.line.domain.risk import Risk, raised, risk_of_text
from services.line.domain.sending import (
    Outcome,
    RateLimiter,
    backoff,
    judge,
    quota_warning,
    reply_token_usable,
)


def test_a_quota_429_is_told_from_a_rate_limit_429() -> None:
    quota = judge(429, "You have reached your monthly limit.", via="push")
    rate = judge(429, "Too Many Requests", via="push", retry_after=3)
    assert quota.outcome is Outcome.OVER_QUOTA
    assert rate.outcome is Outcome.RETRY
    assert rate.retry_after == 3


def test_lines_answers_mean_what_the_sender_does_next() -> None:
    assert judge(200, "", via="reply").outcome is Outcome.SENT
    assert judge(409, "already accepted", via="push").outcome is Outcome.SENT
    assert judge(409, "conflict", via="reply").outcome is Outcome.REFUSED
    assert judge(400, "Invalid reply token", via="reply").outcome is Outcome.REPLY_REFUSED
    assert judge(503, "", via="push").outcome is Outcome.RETRY
    assert judge(0, "ConnectionError", via="push").outcome is Outcome.RETRY
    assert judge(400, "The property, 'to', is invalid", via="push").outcome is Outcome.REFUSED


def test_a_reply_token_is_fresh_for_under_50_seconds() -> None:
    issued = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert reply_token_usable("t", issued, issued + timedelta(seconds=49.9))
    assert not reply_token_usable("t", issued, issued + timedelta(seconds=50))
    assert not reply_token_usable(None, issued, issued)


def test_backoff_grows_and_obeys_retry_after() -> None:
    assert backoff(1) < backoff(3) < backoff(30) == timedelta(minutes=5)
    assert backoff(1, retry_after=7) == timedelta(seconds=7)


def test_the_quota_warning_starts_at_80_percent() -> None:
    assert not quota_warning(200, 159)
    assert quota_warning(200, 160)
    assert not quota_warning(None, 10_000)


def test_the_rate_limiter_spends_tokens_and_pauses_everyone_after_a_429() -> None:
    now = [0.0]
    limiter = RateLimiter(2, burst=2, clock=lambda: now[0])
    assert limiter.try_acquire()
    assert limiter.try_acquire()
    assert not limiter.try_acquire()
    now[0] = 0.5
    assert limiter.try_acquire()
    limiter.pause(10)
    now[0] = 5.0
    assert not limiter.try_acquire()
    now[0] = 10.6
    assert limiter.try_acquire()


def test_risk_words_raise_and_never_lower() -> None:
    assert risk_of_text("もう死にたい") is Risk.HIGH
    assert risk_of_text("シニタイ") is Risk.HIGH
    assert risk_of_text("毎日ツライ") is Risk.WATCH
    assert risk_of_text("こんにちは") is Risk.NONE
    assert raised("high", Risk.NONE) is Risk.HIGH
    assert raised("none", Risk.WATCH) is Risk.WATCH


def test_a_pseudonym_is_stable_per_channel_and_differs_between_channels() -> None:
    key = b"k" * 32
    one, two = uuid.uuid4(), uuid.uuid4()
    user = "U" + "1" * 32
    assert user_hash(key, one, user) == user_hash(key, one, user)
    assert user_hash(key, one, user) != user_hash(key, two, user)
    assert user not in user_hash(key, one, user)


def test_a_follow_counts_in_the_fiscal_year_of_its_jst_date() -> None:
    assert fiscal_year_of(datetime(2021, 3, 31, 23, 59, tzinfo=JST)) == 2020
    assert fiscal_year_of(datetime(2021, 4, 1, 0, 0, tzinfo=JST)) == 2021
    # 00:00 JST on 1 April is still 31 March in UTC
    assert fiscal_year_of(datetime(2021, 3, 31, 15, 0, tzinfo=UTC)) == 2021
