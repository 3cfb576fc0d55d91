"""The web side of a ledger import: upload → check → review the change summary → confirm, the
template download and the import history. A ledger's views call these with its LedgerApp and
its page templates (``upload`` shows the form, ``review`` the problems or the changes)."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tuopin.ledger.app import LedgerApp
from tuopin.ledger.models import LedgerImport
from tuopin.ledger.reader import WorkbookRefused
from tuopin.lib import filekinds
from tuopin.org import uploads
from tuopin.org.access import has_capability

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def require_import(request: HttpRequest, app: LedgerApp) -> None:
    if not has_capability(request.user, app.capability):
        raise PermissionDenied("您没有导入该台账的权限")


def upload(
    request: HttpRequest, app: LedgerApp, *, page: str, review: str, context: dict
) -> HttpResponse:
    """GET: the upload form; POST: check the file and show what it would change."""
    require_import(request, app)
    if request.method != "POST":
        return render(request, page, context)
    try:
        received = uploads.received_file(request, "file", kinds=filekinds.WORKBOOKS)
    except uploads.UploadRefused as error:
        return render(request, page, {**context, "error": str(error)}, status=400)
    if received is None:
        return render(
            request,
            page,
            {**context, "error": "请选择要上传的 Excel 文件（.xlsx 或 .xls）"},
            status=400,
        )
    staged = app.stage.keep(received)
    try:
        plan = app.check(staged.path, staged.filename, request.user)
    except WorkbookRefused as error:
        staged.path.unlink(missing_ok=True)
        return render(request, page, {**context, "error": str(error)}, status=400)
    if not plan.ok or not plan.has_changes:
        staged.path.unlink(missing_ok=True)
    else:
        app.stage.remember(request, staged, counts=plan.counts)
    return render(
        request,
        review,
        {**context, "plan": plan, "filename": staged.filename, "token": staged.token},
        status=200 if plan.ok else 400,
    )


def confirm(
    request: HttpRequest, app: LedgerApp, *, review: str, context: dict, again: str, done: str
) -> HttpResponse:
    """Write a reviewed import; if the ledger changed since the review, show the new summary."""
    require_import(request, app)
    pending = app.stage.pending(request)
    if pending is None:
        messages.error(request, "导入已过期或已完成，请重新上传文件")
        return redirect(again)
    path = app.stage.path(pending["token"])
    if not path.exists():
        messages.error(request, "上传的文件已不存在，请重新上传")
        return redirect(again)
    keep = False
    try:
        plan = app.check(path, pending["filename"], request.user)
        shown = {**context, "plan": plan, "filename": pending["filename"]}
        if plan.ok and plan.counts != pending["counts"]:
            pending["counts"] = plan.counts
            request.session[app.stage.session_key] = pending
            messages.warning(request, "台账在您审核期间发生了变化，请重新核对变更摘要后再确认")
            keep = True
            return render(request, review, {**shown, "token": pending["token"]})
        if not plan.ok:
            return render(request, review, {**shown, "token": ""}, status=400)
        batch = app.apply(
            plan,
            actor=request.user,
            source="web",
            filename=pending["filename"],
            sha256=pending["sha256"],
        )
    except WorkbookRefused as error:
        messages.error(request, str(error))
        return redirect(again)
    except IntegrityError:
        messages.error(request, "导入时台账被他人同时修改，未导入任何数据；请重新上传")
        return redirect(again)
    finally:
        if not keep:
            path.unlink(missing_ok=True)
    app.stage.forget(request)
    messages.success(request, f"导入完成：{app.describe(batch.summary)}")
    return redirect(done)


def template(app: LedgerApp) -> HttpResponse:
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    app.write_template(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=app.template_filename,
        content_type=XLSX_CONTENT_TYPE,
    )


def history(request: HttpRequest, app: LedgerApp, *, page: str, context: dict) -> HttpResponse:
    require_import(request, app)
    batches = (
        LedgerImport.objects.visible_to(request.user)
        .filter(ledger=app.ledger.key)
        .select_related("actor")[:100]
    )
    rows = [(batch, app.describe(batch.summary)) for batch in batches]
    return render(request, page, {**context, "rows": rows})
