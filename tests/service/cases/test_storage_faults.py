"""A disk that fills up (or turns read-only) and then recovers: while writes fail, writes
answer 503 and /readyz says 503; when the fault clears the service works again by itself,
without a restart (issue 13: auth stayed broken ≥ 100 s while /readyz said 200).

The fault is injected at the driver (tests/support/storage_faults.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from common.storage import PROBE_WHEN_IDLE_SECONDS, storage_health
from common.testing.principals import auth_header
from services.cases import SERVICE
from tests.service.cases.support import make_member
from tests.support.storage_faults import FullDisk, app_on_its_own_engine


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[Flask, FullDisk, Any]]:
    with app_on_its_own_engine(SERVICE, tmp_path) as parts:
        yield parts


def test_a_full_disk_is_503_and_not_ready_and_the_service_recovers_by_itself(
    service: tuple[Flask, FullDisk, Any],
) -> None:
    app, disk, runtime = service
    member = make_member(runtime.session_factory)
    client = app.test_client()
    headers = auth_header(member.staff)
    body = {"person": {"display_name": "山田 太郎"}}
    assert client.post("/cases", json=body, headers=headers).status_code == 201
    assert client.get("/readyz").status_code == 200

    disk.on = True
    failed = client.post("/cases", json=body, headers=headers)
    assert failed.status_code == 503
    assert failed.mimetype == "application/problem+json"
    assert failed.json["code"] == "storage_unavailable"
    assert failed.headers["Retry-After"]
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    assert "database" in not_ready.json["failures"]
    assert client.get("/readyz").status_code == 503  # still failing: it probes again

    disk.on = False
    assert client.get("/readyz").status_code == 200
    again = client.post("/cases", json=body, headers=headers)
    assert again.status_code == 201
    listed = client.get("/cases", headers=headers)
    assert len(listed.json["items"]) == 2


def test_readiness_notices_a_fault_that_began_while_the_service_was_idle(
    service: tuple[Flask, FullDisk, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, disk, runtime = service
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    disk.on = True
    # Nothing has written since: past the idle window readiness probes a write itself.
    health = storage_health(runtime.engine)
    monkeypatch.setattr(health, "last_commit", health.last_commit - PROBE_WHEN_IDLE_SECONDS - 1)
    assert client.get("/readyz").status_code == 503
    disk.on = False
    assert client.get("/readyz").status_code == 200
