from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.auth.domain.passwords import PasswordHashing, password_problems
from services.auth.domain.sessions import SessionPolicy

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_passwords_shorter_than_twelve_characters_are_refused() -> None:
    assert password_problems("Tr0ub4dor&3")[0].code == "password_too_short"


def test_common_passwords_are_refused_however_long() -> None:
    assert password_problems("password12345")[0].code == "password_too_weak"
    assert password_problems("qwertyuiop123")[0].code == "password_too_weak"


def test_a_password_made_of_the_users_own_email_is_weak() -> None:
    problems = password_problems("yamada.taro2026", context=("yamada.taro2026@example.jp",))
    assert problems
    assert problems[0].code == "password_too_weak"


def test_a_passphrase_is_accepted() -> None:
    assert password_problems("桜島の灰が降る朝に熱い珈琲") == []
    assert password_problems("lantern orchard velvet compass") == []


def test_the_readmes_demo_password_is_refused_outside_the_demo() -> None:
    for variant in ("tsunagu-demo-2026", "Tsunagu Demo 2026", "TSUNAGU_DEMO_2026"):
        [problem] = password_problems(variant)
        assert problem.code == "password_published", variant
    assert password_problems("tsunagu-demo-2026", demo=True) == []


def test_published_passphrases_are_refused_however_strong_they_look() -> None:
    for published in ("correct horse battery staple", "Correct-Horse-Battery-Staple"):
        [problem] = password_problems(published)
        assert problem.code == "password_published", published


def test_near_variants_of_a_published_password_are_weak() -> None:
    [problem] = password_problems("tsunagu-demo-2026ab")
    assert problem.code == "password_too_weak"
    [problem] = password_problems("tsunagu-demo-2026ab", demo=True)
    assert problem.code == "password_too_weak"


def test_hashing_verifies_and_unknown_users_fail_the_same_way() -> None:
    hashing = PasswordHashing(time_cost=1, memory_kib=1024)
    stored = hashing.hash("correct horse battery staple")
    assert hashing.verify(stored, "correct horse battery staple")
    assert not hashing.verify(stored, "wrong")
    assert not hashing.verify(None, "correct horse battery staple")


def test_sessions_end_for_every_reason_in_order() -> None:
    policy = SessionPolicy()
    live = dict(
        now=NOW,
        last_seen_at=NOW,
        expires_at=NOW + timedelta(hours=1),
        revoked=False,
        user_active=True,
        org_active=True,
    )
    assert policy.end_reason(**live) is None
    assert policy.end_reason(**live | {"revoked": True}) == "revoked"
    assert policy.end_reason(**live | {"user_active": False}) == "user_deactivated"
    assert policy.end_reason(**live | {"org_active": False}) == "org_suspended"
    assert policy.end_reason(**live | {"expires_at": NOW}) == "absolute_timeout"
    assert (
        policy.end_reason(**live | {"last_seen_at": NOW - timedelta(minutes=30)}) == "idle_timeout"
    )
    assert policy.end_reason(**live | {"last_seen_at": NOW - timedelta(minutes=29)}) is None
