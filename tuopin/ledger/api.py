"""The API side of a ledger: upload a workbook to check it (``dry_run``) or import it, all or
nothing, and read the import history. A ledger's router adds these with :func:`add_routes`."""

from __future__ import annotations

import datetime as dt
import hashlib

from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from tuopin.ledger.app import LedgerApp
from tuopin.ledger.models import LedgerImport
from tuopin.ledger.reader import WorkbookRefused
from tuopin.lib import filekinds
from tuopin.org import uploads
from tuopin.org.access import has_capability


class ProblemOut(Schema):
    sheet: str
    row: int
    column: str
    value: str
    reason: str


class ImportOut(Schema):
    ok: bool
    dry_run: bool
    imported: bool
    import_id: int | None
    problem_count: int
    problems: list[ProblemOut]
    notices: list[str]
    counts: dict[str, int]
    changes: list[str]
    summary: str


class HistoryRow(Schema):
    id: int
    at: dt.datetime
    actor: str
    filename: str
    source: str
    counts: dict[str, int]
    summary: str


def add_routes(router: Router, app: LedgerApp) -> None:
    """``POST /import?dry_run=true`` (multipart field ``file``) and ``GET /imports``."""

    @router.post(
        "/import",
        response={200: ImportOut, 400: ImportOut},
        summary=f"导入{app.ledger.title}工作簿（有任何错误则不导入；dry_run 只校验）",
    )
    def import_workbook(request, dry_run: bool = False, file: UploadedFile | None = File(None)):  # noqa: B008 - django-ninja idiom
        if not has_capability(request.user, app.capability):
            raise HttpError(403, "您没有导入该台账的权限")
        try:
            received = uploads.received_file(request, "file", kinds=filekinds.WORKBOOKS)
        except uploads.UploadRefused as error:
            raise HttpError(422, str(error)) from None
        if received is None:
            raise HttpError(422, "请上传工作簿（字段 file，.xlsx）")
        data = received.read()
        filename = (received.name or "upload.xlsx")[:200]
        try:
            plan = app.check(data, filename, request.user)
        except WorkbookRefused as error:
            raise HttpError(422, str(error)) from None
        batch = None
        if plan.ok and plan.has_changes and not dry_run:
            batch = app.apply(
                plan,
                actor=request.user,
                source="api",
                filename=filename,
                sha256=hashlib.sha256(data).hexdigest(),
            )
        body = {
            "ok": plan.ok,
            "dry_run": dry_run,
            "imported": batch is not None,
            "import_id": batch.pk if batch is not None else None,
            "problem_count": plan.problem_count,
            "problems": [vars(problem) for problem in plan.problems],
            "notices": plan.notices,
            "counts": plan.counts,
            "changes": plan.change_lines,
            "summary": app.describe(plan.counts) if plan.ok else "有错误，未导入任何数据",
        }
        return Status(200 if plan.ok else 400, body)

    @router.get("/imports", response=list[HistoryRow], summary=f"{app.ledger.title}导入记录")
    def imports(request):
        if not has_capability(request.user, app.capability):
            raise HttpError(403, "您没有查看导入记录的权限")
        batches = (
            LedgerImport.objects.visible_to(request.user)
            .filter(ledger=app.ledger.key)
            .select_related("actor")[:100]
        )
        return [
            {
                "id": batch.pk,
                "at": batch.at,
                "actor": batch.actor.display_name if batch.actor else "",
                "filename": batch.filename,
                "source": batch.source,
                "counts": batch.summary,
                "summary": app.describe(batch.summary),
            }
            for batch in batches
        ]
