from __future__ import annotations

import uuid

import pytest

from common.permissions import Perm
from common.principal import (
    InvalidPrincipal,
    Principal,
    PrincipalSigner,
    PrincipalVerifier,
    generate_keypair,
)


def principal(role: str, kind: str = "npo") -> Principal:
    return Principal(
        user_id=uuid.uuid4(),
        name="x",
        org_id=uuid.uuid4(),
        consortium_id=uuid.uuid4(),
        org_kind=kind,
        roles=frozenset({role}),
    )


def test_a_signed_principal_round_trips() -> None:
    private, public = generate_keypair()
    original = principal("staff")
    verified = PrincipalVerifier(public).verify(PrincipalSigner(private).sign(original))
    assert verified.org_id == original.org_id
    assert verified.roles == original.roles


def test_a_token_signed_by_another_key_is_refused() -> None:
    private, _ = generate_keypair()
    _, other_public = generate_keypair()
    with pytest.raises(InvalidPrincipal):
        PrincipalVerifier(other_public).verify(PrincipalSigner(private).sign(principal("staff")))


def test_an_expired_token_is_refused() -> None:
    private, public = generate_keypair()
    token = PrincipalSigner(private, ttl_seconds=-60).sign(principal("staff"))
    with pytest.raises(InvalidPrincipal):
        PrincipalVerifier(public).verify(token)


def test_volunteers_never_read_sensitive_data_or_export() -> None:
    volunteer = principal("volunteer")
    assert not volunteer.can(Perm.CASE_READ_SENSITIVE)
    assert not volunteer.can(Perm.CASE_EXPORT)
    assert volunteer.can(Perm.REFERRAL_SEND)


def test_admins_of_consortium_and_platform_read_no_case_content() -> None:
    for role in ("consortium_admin", "platform_admin"):
        assert not principal(role).can(Perm.CASE_READ)


def test_the_centers_staff_see_consortium_aggregates_and_confirm_declines() -> None:
    center = principal("staff", kind="prefectural_center")
    assert center.can(Perm.REPORT_CONSORTIUM_READ)
    assert center.can(Perm.DECLINE_CONFIRM)
    assert not principal("staff").can(Perm.REPORT_CONSORTIUM_READ)
