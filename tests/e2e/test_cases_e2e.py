"""Cases through the real gateway and processes: the spreadsheet import goes from upload
through the preview to the worker's all-or-nothing commit."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from tests.e2e.helpers import new_world
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

SHEET = """管理番号,氏名,ふりがな,相談日,相談方法,相談者,続柄,内容
E-1,桜島 一郎,さくらじま いちろう,令和6年4月1日,電話,母,,母から電話
E-1,,,2024/4/8,来所,本人,,本人来所
E-2,開聞 花子,かいもん はなこ,2024/5/1,LINE,家族,父,
"""


def test_a_spreadsheet_is_previewed_then_imported_by_the_worker(any_stack: Stack) -> None:
    stack = any_stack
    world = new_world(stack, {"station": "support_station"}, roles=("org_admin",))
    admin = world.user("station.org_admin")
    response = admin.request(
        "POST",
        "/api/v1/imports?filename=cases.csv",
        None,
        headers={"Content-Type": "text/csv"},
        expect=None,
    )
    assert response.status == 422  # an empty upload is refused
    raw = admin._http.request(  # the raw CSV body, as the web UI's upload sends it
        "POST",
        "/api/v1/imports?filename=cases.csv",
        body=SHEET.encode("cp932"),
        headers={
            "Content-Type": "text/csv",
            "Cookie": f"tsunagu_session={admin.cookie}",
            "X-CSRF-Token": admin.csrf_token or "",
        },
    )
    assert raw.status == 202, raw.body  # the worker checks the file
    deadline = time.monotonic() + 30
    job = raw.json()
    while job["status"] in ("uploaded", "checking"):
        assert time.monotonic() < deadline, job
        time.sleep(0.3)
        job = admin.get(f"/imports/{job['id']}")
    assert (job["status"], job["case_count"], job["contact_count"]) == ("previewed", 2, 3)
    assert admin.get("/cases")["items"] == []  # the preview wrote no case
    admin.post(f"/imports/{job['id']}/commit", expect=202)
    deadline = time.monotonic() + 30
    while admin.get(f"/imports/{job['id']}")["status"] != "committed":
        assert time.monotonic() < deadline, admin.get(f"/imports/{job['id']}")
        time.sleep(0.3)
    names = {c["person"]["display_name"] for c in admin.get("/cases")["items"]}
    assert names == {"桜島 一郎", "開聞 花子"}
    found = admin.get("/cases?q=" + quote("ｻｸﾗｼﾞﾏ"))["items"]
    assert [c["external_ref"] for c in found] == ["E-1"]
