"""Moving off Excel: upload a CSV or XLSX, see every row's errors before anything is
written, then import all of it or nothing."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.wrappers import Response

from gateway import apiclient as api
from gateway.forms import Form
from gateway.views.cases import bp
from gateway.views.cases.common import OPTIONS
from gateway.views.cases.labels import CASE_PROBLEMS, IMPORT_COLUMNS, IMPORT_ERRORS


def upload_form() -> Form:
    return Form(
        "upload",
        fields=("file",),
        prefix="f",
        labels={"file": _l("CSV or Excel file")},
        messages=IMPORT_ERRORS | CASE_PROBLEMS,
    )


def imports_page(form: Form) -> tuple[str, int]:
    jobs = api.get("/imports")["items"]
    return render_template("cases/imports.html", jobs=jobs, form=form, **OPTIONS), form.status


@bp.route("/imports", methods=["GET", "POST"])
@login_required
def imports() -> Any:
    form = upload_form()
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.error("file", _l("Choose a CSV or Excel file."))
            return imports_page(form)
        response = form.submit(
            lambda: api.call_raw(
                "POST",
                f"/imports?filename={quote(upload.filename or '')}",
                body=upload.read(),
                content_type="application/octet-stream",
            ),
            refusable=(413, 422),
        )
        if form.failed or response is None:
            return imports_page(form)
        return redirect(url_for("cases.import_job", import_id=response.json()["id"]))
    return imports_page(form)


@bp.get("/imports/<uuid:import_id>")
@login_required
def import_job(import_id: uuid.UUID) -> str:
    job = api.get(f"/imports/{import_id}")
    return render_template(
        "cases/import_job.html",
        job=job,
        columns=IMPORT_COLUMNS,
        problems=IMPORT_ERRORS,
        **OPTIONS,
    )


@bp.post("/imports/<uuid:import_id>/<any(commit, discard):action>")
@login_required
def import_action(import_id: uuid.UUID, action: str) -> Response:
    form = Form("commit", messages=CASE_PROBLEMS)
    form.submit(lambda: api.post(f"/imports/{import_id}/{action}"), refusable=(409,))
    for problem in form.problems:  # the job's page shows its own state; say why briefly
        flash(problem, "error")
    return redirect(url_for("cases.import_job", import_id=import_id))
