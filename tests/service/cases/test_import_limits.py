"""Imports are background jobs with limits: a web request only inspects an upload (size,
kind, a sound workbook) and never parses a sheet; the worker reads it lazily and stops at
the row limit; XML bombs, external entities and zip bombs are refused with 422."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.cases.domain import spreadsheets
from services.cases.domain.imports import MAX_ROWS
from services.cases.operations import imports
from tests.service.cases.support import Api, Member, table_counts

OOXML = "http://schemas.openxmlformats.org"
DOC_RELS = f"{OOXML}/officeDocument/2006/relationships"
MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = (
    f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{OOXML}/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{MAIN}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{MAIN}.worksheet+xml"/>'
    "</Types>"
).encode()
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?>'
    f'<Relationships xmlns="{OOXML}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
).encode()
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?>'
    f'<workbook xmlns="{OOXML}/spreadsheetml/2006/main" xmlns:r="{DOC_RELS}">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
).encode()
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?>'
    f'<Relationships xmlns="{OOXML}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
).encode()
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet(rows: int, *, prolog: str = "") -> bytes:
    """A sheet of ``rows`` consultations under a header, written straight as XML (fast
    enough to build 200,000 rows in a test)."""
    head = "".join(
        cell(f"{c}1", t)
        for c, t in zip("ABCD", ["氏名", "相談日", "相談方法", "相談者"], strict=True)
    )
    body = "".join(
        f'<row r="{i}">{cell(f"A{i}", f"山田{i % 50}")}{cell(f"B{i}", "2021/4/1")}'
        f"{cell(f'C{i}', '電話')}{cell(f'D{i}', '本人')}</row>"
        for i in range(2, rows + 2)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{SHEET_NS}">'
        f'<sheetData><row r="1">{head}</row>{body}</sheetData></worksheet>'
    ).encode()


def xlsx(sheet_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def send(api: Api, member: Member, content: bytes, name: str = "cases.xlsx") -> Any:
    """As the web UI sends a file: the raw body, its name in the query."""
    return api.as_(member.admin).post(
        f"/imports?filename={name}", data=content, content_type="application/octet-stream"
    )


def check_all(sessions: sessionmaker[Session]) -> None:
    imports.run_queued(sessions, concurrent_writes=False)


def test_a_small_workbook_made_this_way_is_previewed(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    sent = send(api, member, xlsx(sheet(3)))
    assert sent.status_code == 202, sent.json
    check_all(sessions)
    job = api.as_(member.admin).get(f"/imports/{sent.json['id']}").json
    assert (job["status"], job["case_count"], job["rows_read"]) == ("previewed", 3, 3)


def test_the_request_never_parses_the_sheet(
    api: Api, member: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_parsing(*args: object, **kwargs: object) -> Any:
        raise AssertionError("a web request parsed the sheet")

    monkeypatch.setattr(spreadsheets, "_xlsx_rows", no_parsing)
    monkeypatch.setattr(spreadsheets, "_csv_rows", no_parsing)
    sent = send(api, member, xlsx(sheet(20_000)))
    assert sent.status_code == 202, sent.json
    assert sent.json["status"] == "uploaded"
    assert sent.headers["Location"] == f"/imports/{sent.json['id']}"
    csv = send(api, member, ("氏名\n" + "山田\n" * 20_000).encode(), "cases.csv")
    assert csv.status_code == 202


def test_the_worker_stops_reading_a_long_sheet_at_the_row_limit(
    api: Api, member: Member, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workbook four times the row limit (the report had 200,000 rows: see the import
    benchmark): read as far as the limit, then refused."""
    read = {"rows": 0}
    real_rows = spreadsheets._xlsx_rows

    def counting(content: bytes) -> Any:
        for row in real_rows(content):
            read["rows"] += 1
            yield row

    monkeypatch.setattr(spreadsheets, "_xlsx_rows", counting)
    content = xlsx(sheet(20_000))
    sent = send(api, member, content)
    check_all(sessions)
    job = api.as_(member.admin).get(f"/imports/{sent.json['id']}").json
    assert job["status"] == "invalid"
    assert {e["code"] for e in job["errors"]} == {"too_many"}
    assert read["rows"] <= MAX_ROWS + 2


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
EXTERNAL_ENTITY = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("prolog", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["bomb", "xxe"])
def test_xml_with_entities_is_refused_at_upload_and_nothing_is_written(
    api: Api, member: Member, sessions: sessionmaker[Session], prolog: str
) -> None:
    before = table_counts(sessions)
    refused = send(api, member, xlsx(sheet(2, prolog=prolog)))
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.json["errors"][0]["field"] == "file"
    assert table_counts(sessions) == before


def test_entities_that_slip_past_the_upload_check_meet_defusedxml_in_the_worker(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    """UTF-16 hides the declaration from the byte scan; the parser refuses it all the same."""
    xml = sheet(2, prolog=EXTERNAL_ENTITY).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    sent = send(api, member, xlsx(xml.encode("utf-16")))
    assert sent.status_code == 202
    check_all(sessions)
    job = api.as_(member.admin).get(f"/imports/{sent.json['id']}").json
    assert job["status"] == "invalid"
    assert {e["code"] for e in job["errors"]} <= {"unsafe", "format"}


def test_a_zip_bomb_is_refused_at_upload(api: Api, member: Member) -> None:
    padded = sheet(2).replace(b"<sheetData>", b"<sheetData>" + b" " * 50_000_000)
    refused = send(api, member, xlsx(padded))
    assert refused.status_code == 422
    assert refused.json["errors"][0]["code"] in {"unsafe", "too_large"}


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    before = table_counts(sessions)
    big = b"x" * (spreadsheets.MAX_UPLOAD_BYTES + 200_000)
    refused = api.as_(member.admin).post(
        "/imports?filename=big.csv", data=big, content_type="text/csv"
    )
    assert refused.status_code == 413
    assert table_counts(sessions) == before


def test_an_upload_can_be_discarded_before_it_is_checked(
    api: Api, member: Member, sessions: sessionmaker[Session]
) -> None:
    sent = send(api, member, xlsx(sheet(3)))
    discarded = api.as_(member.admin).post(f"/imports/{sent.json['id']}/discard")
    assert discarded.json["status"] == "discarded"
    check_all(sessions)
    assert api.as_(member.admin).get(f"/imports/{sent.json['id']}").json["status"] == "discarded"


def test_the_check_reports_its_progress(
    api: Api, member: Member, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    sent = send(api, member, xlsx(sheet(1_200)))
    real_update = imports._counted

    def spying(rows: Any, report: Any) -> Any:
        def also(n: int) -> None:
            seen.append(n)
            report(n)

        return real_update(rows, also)

    monkeypatch.setattr(imports, "_counted", spying)
    assert imports.check_job(sessions, uuid.UUID(sent.json["id"]))
    assert seen == [500, 1000, 1200]
    assert api.as_(member.admin).get(f"/imports/{sent.json['id']}").json["rows_read"] == 1200
