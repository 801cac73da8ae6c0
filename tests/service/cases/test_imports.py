"""Importing a spreadsheet: a preview of every row's errors, then all-or-nothing."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from services.cases.models import Case, Contact, ImportJob
from services.cases.operations import imports
from tests.service.cases.support import Api, Member, outbox, table_counts

GOOD = """管理番号,氏名,ふりがな,生年,性別,市町村,段階,相談日,相談方法,相談者,続柄,時間（分）,内容
K-001,鹿児島 一郎,かごしま いちろう,1978,男性,鹿児島市,受付,令和3年4月5日,電話,家族,母,30,母から電話
K-001,,,,,,,2021/4/12 14:00,来所,本人,,60,本人来所
K-002,霧島 花子,ｷﾘｼﾏ ﾊﾅｺ,S60,女,霧島市,体験,2021-05-01,訪問,母,,45,
K-003,指宿 次郎,,1990,,,終結,2020/6/1,LINE,本人,,,
"""


def send(api: Api, member: Member, content: bytes, name: str = "cases.csv") -> Any:
    return api.as_(member.admin).post(
        "/imports", data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data"
    )


def upload(api: Api, member: Member, content: bytes, name: str = "cases.csv") -> Any:
    """Upload, let the worker check the file, and read the job (its preview); a refusal by
    the request itself is returned as it is."""
    sent = send(api, member, content, name)
    if sent.status_code != 202:
        return sent
    assert sent.json["status"] == "uploaded"
    sessions = api.client.application.extensions["tsunagu"].session_factory
    with sessions() as session:
        waiting = imports.uploaded_job_ids(session)
    for job_id in waiting:
        imports.check_job(sessions, job_id)
    return api.as_(member.admin).get(f"/imports/{sent.json['id']}")


def test_a_good_sheet_is_previewed_then_committed(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    before = table_counts(sessions)
    preview = upload(api, member, GOOD.encode())
    assert preview.status_code == 200, preview.json
    job = preview.json
    assert job["status"] == "previewed", job["errors"]
    assert (job["total_rows"], job["case_count"], job["contact_count"]) == (4, 3, 4)
    assert [p["display_name"] for p in job["preview"]] == ["鹿児島 一郎", "霧島 花子", "指宿 次郎"]
    after_preview = table_counts(sessions)
    assert after_preview["cases"] == before["cases"]  # a preview writes no case

    queued = api.as_(member.admin).post(f"/imports/{job['id']}/commit")
    assert queued.status_code == 202
    assert queued.json["status"] == "queued"
    imports.run_queued(sessions, concurrent_writes=False)
    done = api.as_(member.admin).get(f"/imports/{job['id']}").json
    assert done["status"] == "committed"
    assert done["progress"] == {"processed": 3, "total": 3, "percent": 100}
    assert done["preview"] == []  # the rows are forgotten once imported

    listing = api.as_(member.admin).get("/cases", query_string={"q": "ｶｺﾞｼﾏ"}).json["items"]
    assert [c["external_ref"] for c in listing] == ["K-001"]
    page = api.as_(member.admin).get(f"/cases/{listing[0]['id']}").json
    assert [(c["by"], c["channel"]) for c in page["contacts"]] == [
        ("family", "phone"),
        ("self", "visit"),
    ]
    assert page["contacts"][0]["relationship"] == "mother"
    assert page["opened_at"].startswith("2021-04-04T15:00")  # 5 April JST
    stages = {
        c["external_ref"]: c["stage"] for c in api.as_(member.admin).get("/cases").json["items"]
    }
    assert stages == {"K-001": "intake", "K-002": "experience", "K-003": "closed"}
    kinds = [e["type"] for e in outbox(sessions) if e["data"].get("case_id")]
    assert kinds.count("case.opened") == 3
    assert kinds.count("contact.logged") == 4
    assert kinds.count("case.closed") == 1


def test_an_import_with_one_bad_row_writes_nothing(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    bad = GOOD + "K-004,薩摩 三郎,,19xx,宇宙人,,,2021/2/30,伝書鳩,本人,,-5,\n"
    before = table_counts(sessions)
    job = upload(api, member, bad.encode()).json
    assert job["status"] == "invalid"
    errors = {(e["row"], e["field"]) for e in job["errors"]}
    assert {
        (6, "birth_year"),
        (6, "gender"),
        (6, "contact_at"),
        (6, "channel"),
        (6, "minutes"),
    } <= errors
    assert job["error_rows"] == 1
    refused = api.as_(member.admin).post(f"/imports/{job['id']}/commit")
    assert refused.status_code == 409
    imports.run_queued(sessions, concurrent_writes=False)
    after = table_counts(sessions)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"import_jobs", "audit_log"}  # the job with its errors, and the audit


def test_a_failure_midway_rolls_the_whole_import_back(
    api: Api, member: Member, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    job = upload(api, member, GOOD.encode()).json
    api.as_(member.admin).post(f"/imports/{job['id']}/commit")
    real_create = imports._create
    calls = {"n": 0}

    def failing(session: Session, job_row: ImportJob, draft: dict[str, Any]) -> Case:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real_create(session, job_row, draft)

    monkeypatch.setattr(imports, "_create", failing)
    before = table_counts(sessions)
    imports.run_queued(sessions, concurrent_writes=False)
    after = table_counts(sessions)
    assert (after["cases"], after["contacts"], after["outbox"]) == (
        before["cases"],
        before["contacts"],
        before["outbox"],
    )
    failed = api.as_(member.admin).get(f"/imports/{job['id']}").json
    assert failed["status"] == "failed"
    assert failed["failure"] == "RuntimeError"


def test_progress_is_reported_while_committing(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    rows = "\n".join(f"R-{i},人{i},2021/4/{1 + i % 28},電話,本人" for i in range(120))
    job = upload(api, member, f"管理番号,氏名,相談日,相談方法,相談者\n{rows}\n".encode()).json
    assert job["status"] == "previewed", job["errors"][:3]
    api.as_(member.admin).post(f"/imports/{job['id']}/commit")
    seen: list[int] = []
    assert imports.commit_job(sessions, uuid.UUID(job["id"]), lambda _id, done: seen.append(done))
    assert seen == [50, 100]
    assert api.as_(member.admin).get(f"/imports/{job['id']}").json["progress"]["processed"] == 120


def test_a_sheet_cannot_import_a_case_number_twice(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    first = upload(api, member, GOOD.encode()).json
    api.as_(member.admin).post(f"/imports/{first['id']}/commit")
    imports.run_queued(sessions, concurrent_writes=False)
    again = upload(api, member, GOOD.encode()).json
    assert again["status"] == "invalid"
    assert {e["code"] for e in again["errors"]} == {"duplicate"}


def test_xlsx_and_shift_jis_csv_are_read(api: Api, member: Member) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["氏名", "相談日", "相談方法", "相談者"])
    import datetime as dt

    sheet.append(["エクセル 太郎", dt.datetime(2021, 4, 1, 10, 0), "電話", "本人"])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = upload(api, member, buffer.getvalue(), "cases.xlsx").json
    assert (xlsx["status"], xlsx["format"], xlsx["case_count"]) == ("previewed", "xlsx", 1)
    sjis = upload(
        api, member, "氏名,相談日,相談方法,相談者\n鹿児島 花子,2021/4/1,電話,本人\n".encode("cp932")
    ).json
    assert (sjis["status"], sjis["preview"][0]["display_name"]) == ("previewed", "鹿児島 花子")


def test_unreadable_files_and_unknown_columns_are_explained(api: Api, member: Member) -> None:
    assert upload(api, member, b"").status_code == 422
    assert upload(api, member, b"PK\x03\x04garbage", "x.xlsx").status_code == 422
    job = upload(api, member, "氏名,好きな食べ物\n太郎,ラーメン\n".encode()).json
    assert job["status"] == "invalid"
    assert job["errors"][0]["row"] == 1


def test_only_org_admins_import(api: Api, member: Member) -> None:
    response = api.as_(member.staff).post("/imports", data=GOOD.encode(), content_type="text/csv")
    assert response.status_code == 403


def test_a_preview_can_be_discarded(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    job = upload(api, member, GOOD.encode()).json
    discarded = api.as_(member.admin).post(f"/imports/{job['id']}/discard").json
    assert discarded["status"] == "discarded"
    assert api.as_(member.admin).post(f"/imports/{job['id']}/commit").status_code == 409
    with sessions() as session:
        row = session.get(ImportJob, uuid.UUID(job["id"]))
        assert row is not None
        assert row.payload is None
        assert session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0
