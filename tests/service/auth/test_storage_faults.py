"""Auth on a full disk answers 503, never a refusal: the gateway signs nobody out for it
(issue 13: with the disk full, 288 writes with valid tokens got 401 and lost their
cookies). And it recovers by itself when the disk has room again."""

from __future__ import annotations

from pathlib import Path

from common.servicekey import ServiceCredential, load_service_key
from services.auth import SERVICE
from tests.service.auth.conftest import GatewayLikeClient
from tests.service.auth.factories import PASSWORD, Factory
from tests.support.storage_faults import app_on_its_own_engine


def test_signing_in_on_a_full_disk_is_503_and_works_once_the_disk_has_room(
    tmp_path: Path,
) -> None:
    with app_on_its_own_engine(SERVICE, tmp_path) as (app, disk, runtime):
        client = GatewayLikeClient(app, app.response_class)
        client.credential = ServiceCredential(load_service_key(None, tmp_path / "keys"), "gateway")
        member = Factory(runtime.session_factory).tenant()
        sign_in = {"email": member.email, "password": PASSWORD, "client_ip": "192.0.2.1"}

        disk.on = True
        refused = client.post("/internal/sessions", json=sign_in)
        assert refused.status_code == 503
        assert refused.json["code"] == "storage_unavailable"
        assert client.get("/readyz").status_code == 503

        disk.on = False
        session = client.post("/internal/sessions", json=sign_in)
        assert session.status_code == 200
        token = session.json["session_token"]
        resolved = client.post("/internal/sessions/resolve", json={"session_token": token})
        assert resolved.status_code == 200
        assert client.get("/readyz").status_code == 200
