from __future__ import annotations

import pyotp
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from common.testing.principals import auth_header
from services.auth.models import User
from tests.service.auth.factories import PASSWORD, Factory


def enrol(client: FlaskClient, headers: dict[str, str]) -> tuple[str, list[str]]:
    started = client.post("/me/mfa/totp", headers=headers)
    assert started.status_code == 201
    assert started.json["qr_svg"].startswith("<svg")
    secret = started.json["secret"]
    wrong = client.post("/me/mfa/totp/confirm", json={"code": "000000"}, headers=headers)
    assert wrong.status_code == 422
    confirmed = client.post(
        "/me/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=headers
    )
    assert confirmed.status_code == 200
    return secret, confirmed.json["recovery_codes"]


def test_with_totp_on_sign_in_needs_a_fresh_code_or_a_recovery_code_once(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    member = make.tenant()
    secret, codes = enrol(client, auth_header(member.principal))
    assert len(codes) == 10
    needs_code = client.post(
        "/internal/sessions", json={"email": member.email, "password": PASSWORD}
    )
    assert needs_code.status_code == 401
    assert needs_code.json["code"] == "otp_required"
    # The code used at enrolment cannot be replayed; the next step's code works.
    with sessions() as session:
        session.execute(sa.update(User).where(User.id == member.user_id).values(totp_last_step=0))
        session.commit()
    ok = client.post(
        "/internal/sessions",
        json={"email": member.email, "password": PASSWORD, "otp": pyotp.TOTP(secret).now()},
    )
    assert ok.status_code == 200
    replay = client.post(
        "/internal/sessions",
        json={"email": member.email, "password": PASSWORD, "otp": pyotp.TOTP(secret).now()},
    )
    assert replay.status_code == 401
    assert replay.json["code"] == "otp_invalid"
    recovery = client.post(
        "/internal/sessions", json={"email": member.email, "password": PASSWORD, "otp": codes[0]}
    )
    assert recovery.status_code == 200
    reused = client.post(
        "/internal/sessions", json={"email": member.email, "password": PASSWORD, "otp": codes[0]}
    )
    assert reused.status_code == 401


def test_mandatory_mfa_flags_the_session_until_enrolled(client: FlaskClient, make: Factory) -> None:
    consortium = make.consortium(mfa_required=True)
    member = make.user(make.org(consortium), "staff")
    body = client.post(
        "/internal/sessions", json={"email": member.email, "password": PASSWORD}
    ).json
    assert body["mfa_enrollment_required"] is True
    enrol(client, {"Authorization": f"Bearer {body['principal_token']}"})
    resolved = client.post(
        "/internal/sessions/resolve", json={"session_token": body["session_token"]}
    )
    assert resolved.json["mfa_enrollment_required"] is False
    disable = client.post(
        "/me/mfa/totp/disable",
        json={"code": "123456"},
        headers={"Authorization": f"Bearer {body['principal_token']}"},
    )
    assert disable.status_code == 409


def test_the_totp_seed_is_sealed_at_rest(
    client: FlaskClient, make: Factory, sessions: sessionmaker[Session]
) -> None:
    member = make.tenant()
    secret, _ = enrol(client, auth_header(member.principal))
    with sessions() as session:
        stored = session.scalar(sa.select(User.totp_secret).where(User.id == member.user_id))
    assert stored is not None
    assert secret not in stored
    assert stored.startswith("fernet:")
