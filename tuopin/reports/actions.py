"""State changes of a report: save, submit, sign, receive, return, revise, attach, grant exception.

Every function runs in one transaction, locks the report row (``select_for_update``; SQLite's
IMMEDIATE transactions serialise writers), checks the caller's ``revision`` against the row's and
bumps it with a conditional UPDATE, so a racing second submission is refused instead of
overwriting the first. Views, the API, the demo and the worker all call these.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.urls import reverse

from tuopin.lib import clock, filekinds
from tuopin.org.access import can, has_capability
from tuopin.org.models import Role, User
from tuopin.plan.models import Measurement
from tuopin.reports import payload as content
from tuopin.reports.models import (
    Attachment,
    Notification,
    Report,
    ReportEvent,
    ReportVersion,
    Status,
    Timeliness,
)

ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReportError(Exception):
    """A refused change, with a Chinese message saying what and how to fix it."""

    status = 400

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class ReportForbidden(ReportError):
    status = 403


class ReportConflict(ReportError):
    status = 409


def _event(report, version, actor, action, note="", source="web", at=None) -> None:
    ReportEvent.objects.create(
        report=report,
        version=version,
        at=at or clock.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        note=note[:500],
        source=source,
    )


def _locked(report: Report, revision: int | None) -> Report:
    """The report's row, locked, and its current version read after the lock was granted.

    The lock is taken on the report row alone: on PostgreSQL a row that another transaction
    changed while this one waited is re-read, but rows joined to it in the same statement are not
    (they keep the statement's old snapshot), so a joined ``current_version`` could still say
    "submitted" after a racing sign committed. The second query starts a new snapshot (READ
    COMMITTED) and sees what the lock holder committed. On SQLite the transaction began with
    ``BEGIN IMMEDIATE``, so every read in it already follows the last committed writer.
    """
    if connection.features.has_select_for_update:  # SQLite: BEGIN IMMEDIATE is the lock
        Report.objects.select_for_update().filter(pk=report.pk).values_list("pk").get()
    locked = Report.objects.select_related(
        "period__campaign", "unit__org_unit", "current_version"
    ).get(pk=report.pk)
    if locked.current_version is not None:
        locked.current_version.report = locked  # one instance: callers read the new state
    if revision is not None and locked.revision != revision:
        raise ReportConflict(
            f"{locked.unit.name}的周报已被他人修改（您打开的是第 {revision} 次修改后的内容，"
            f"当前为第 {locked.revision} 次），本次操作未执行。请刷新页面查看最新内容后重试；"
            "您填写的内容仍保留在表单中。"
        )
    return locked


def _bump(report: Report, **fields) -> None:
    """Write ``fields`` and the next revision, only if nobody else did in between."""
    updated = Report.objects.filter(pk=report.pk, revision=report.revision).update(
        revision=report.revision + 1, **fields
    )
    if updated != 1:
        raise ReportConflict("周报正被他人同时修改，本次操作未执行，请刷新后重试")
    report.revision += 1
    for name, value in fields.items():
        setattr(report, name, value)


def _require_own_unit(user: User, capability: str, report: Report, doing: str) -> None:
    if not has_capability(user, capability):
        needed = {"reports.fill": "单位填报员或主要领导", "reports.sign": "单位主要领导"}
        raise ReportForbidden(f"您没有{doing}的权限：只有本单位{needed[capability]}可以{doing}")
    if not user.is_superuser and user.unit_id != report.unit_id:
        raise ReportForbidden(f"只能{doing}本单位的周报，不能{doing}{report.unit.name}的周报")


def _require_open(report: Report, now: dt.datetime) -> None:
    if now < report.period.opens_at:
        raise ReportError(f"{report.period}尚未开始填报（{_fmt(report.period.opens_at)}开始）")
    if report.first_signed_at is None and now >= report.closes_at:
        raise ReportError(
            f"{report.period}已于{_fmt(report.closes_at)}锁定，未签字的周报已计为漏报；"
            "如确需补报，请联系县脱贫办办理例外"
        )


def _fmt(moment: dt.datetime) -> str:
    return f"{clock.local(moment):%Y年%m月%d日%H:%M}"


def _new_version(user, report, payload, based_on, source) -> ReportVersion:
    now = clock.now()
    number = (based_on.number if based_on else 0) + 1
    version = ReportVersion.objects.create(
        report=report,
        number=number,
        status=Status.DRAFT,
        payload=payload,
        based_on=based_on,
        created_by=user if user.is_authenticated else None,
        created_at=now,
        updated_at=now,
    )
    if based_on is not None:
        Attachment.objects.bulk_create(
            [
                Attachment(
                    version=version,
                    file=item.file.name,
                    name=item.name,
                    size=item.size,
                    content_type=item.content_type,
                    sha256=item.sha256,
                    uploaded_by=item.uploaded_by,
                    uploaded_at=item.uploaded_at,
                )
                for item in based_on.attachments.all()
            ]
        )
    _bump(report, current_version=version, status=Status.DRAFT)
    _event(report, version, user, "新建版本" if based_on else "开始填报", source=source)
    return version


def _editable_version(report: Report) -> ReportVersion:
    version = report.current_version
    if version is None:
        raise ReportError("本周报尚未开始填报")
    if version.is_signed:
        raise ReportConflict(
            f"第 {version.number} 版已于{_fmt(version.signed_at)}签字，签字后的内容不能直接修改。"
            "如需更正，请点击「更正（生成新版本）」，新版本须重新签字"
        )
    return version


def save_report(
    user: User, report: Report, data, *, revision: int | None, source: str = "web"
) -> ReportVersion:
    """Validate and store the content of the editable version (a submitted one goes back to draft)."""
    with content.memo():
        content.prepare(report)
        with transaction.atomic():
            report = _locked(report, revision)
            _require_own_unit(user, "reports.fill", report, "填报")
            now = clock.now()
            _require_open(report, now)
            if report.current_version is not None:
                _editable_version(report)
            try:
                base = (
                    report.current_version.payload
                    if report.current_version is not None
                    else content.carried_over(report)
                )
                cleaned = content.clean(report, data, base)
            except content.PayloadInvalid as invalid:
                raise ReportError("填报内容有误，未保存：" + str(invalid), invalid.errors) from None
            if report.current_version is None:
                return _new_version(user, report, cleaned, None, source)
            version = report.current_version
            was_submitted = version.status == Status.SUBMITTED
            version.payload = cleaned
            version.status = Status.DRAFT
            version.updated_at = now
            version.submitted_at = None
            version.submitted_by = None
            version.save(
                update_fields=["payload", "status", "updated_at", "submitted_at", "submitted_by"]
            )
            _bump(report, status=Status.DRAFT)
            _event(
                report,
                version,
                user,
                "保存",
                "提交后修改，已退回草稿" if was_submitted else "",
                source,
            )
            return version


def submit_report(
    user: User, report: Report, *, revision: int | None, source: str = "web"
) -> ReportVersion:
    """The reporter hands the draft to the head for signature."""
    with content.memo():
        content.prepare(report, previous=False)
        with transaction.atomic():
            report = _locked(report, revision)
            _require_own_unit(user, "reports.fill", report, "提交")
            now = clock.now()
            _require_open(report, now)
            version = _editable_version(report)
            if version.status == Status.SUBMITTED:
                raise ReportConflict(
                    f"第 {version.number} 版已于{_fmt(version.submitted_at)}提交，正等待主要领导签字，"
                    "无需重复提交"
                )
            problems = content.missing_progress(report, version.payload)
            if problems:
                raise ReportError("未提交：" + "；".join(p["message"] for p in problems), problems)
            version.status = Status.SUBMITTED
            version.submitted_by = user
            version.submitted_at = now
            version.save(update_fields=["status", "submitted_by", "submitted_at"])
            _bump(report, status=Status.SUBMITTED)
            _event(report, version, user, "提交", source=source)
            if not report.period.campaign.reporting_sign_off:
                return _sign(user, report, version, now, source)
            _notify_unit(
                report,
                Role.UNIT_HEAD,
                f"{report.unit.name}{report.period}周报待您签字",
                f"{user.display_name}于{_fmt(now)}提交，截止时间{_fmt(report.deadline)}。",
            )
            return version


def sign_report(
    user: User, report: Report, *, revision: int | None, source: str = "web"
) -> ReportVersion:
    """The unit head signs the submitted version: who, when, and the SHA-256 of its content."""
    with transaction.atomic():
        report = _locked(report, revision)
        _require_own_unit(user, "reports.sign", report, "签字")
        now = clock.now()
        _require_open(report, now)
        version = report.current_version
        if version is None or version.status != Status.SUBMITTED:
            state = Status(version.status).label if version else "未填报"
            raise ReportConflict(f"只有已提交待签字的周报才能签字，当前状态：{state}")
        return _sign(user, report, version, now, source)


def _sign(user, report, version, now, source) -> ReportVersion:
    version.canonical = content.canonical_json(version)
    version.content_hash = content.content_hash(version.canonical)
    version.status = Status.SIGNED
    version.signed_by = user
    version.signed_at = now
    version.save(update_fields=["canonical", "content_hash", "status", "signed_by", "signed_at"])
    fields = {"status": Status.SIGNED}
    if report.first_signed_at is None:
        fields["first_signed_at"] = now
        if report.timeliness != Timeliness.EXEMPT:
            # Exact to the second: 11:59:59 is on time, 12:00:00 is late.
            fields["timeliness"] = Timeliness.ON_TIME if now < report.deadline else Timeliness.LATE
    else:
        fields["changed_after_signing"] = True
    _bump(report, **fields)
    Measurement.objects.bulk_create(
        [
            Measurement(
                milestone_id=row["milestone"],
                unit_id=report.unit_id,
                value=Decimal(row["value"]),
                measured_at=now,
                source="report",
                source_ref=str(version.pk),
            )
            for entry in version.payload.get("actions", [])
            for row in entry.get("milestones", [])
            if row.get("value") is not None
        ]
    )
    _event(report, version, user, "签字", f"SHA-256 {version.content_hash}", source)
    return version


def _require_receiver(user: User, report: Report, doing: str) -> None:
    if not can(user, "reports.receive", report):
        raise ReportForbidden(f"只有县脱贫办可以{doing}周报")


def receive_report(
    user: User, report: Report, *, revision: int | None, source: str = "web"
) -> ReportVersion:
    with transaction.atomic():
        report = _locked(report, revision)
        _require_receiver(user, report, "接收")
        version = report.current_version
        if version is None or version.status != Status.SIGNED:
            raise ReportConflict("只有已签字的周报才能接收")
        now = clock.now()
        version.status = Status.RECEIVED
        version.received_by = user
        version.received_at = now
        version.save(update_fields=["status", "received_by", "received_at"])
        _bump(report, status=Status.RECEIVED)
        _event(report, version, user, "接收", source=source)
        return version


def return_report(
    user: User, report: Report, *, revision: int | None, reason: str, source: str = "web"
) -> ReportVersion:
    """HQ returns a signed report (or the head returns a submitted one) with a reason."""
    reason = (reason or "").strip()
    with transaction.atomic():
        report = _locked(report, revision)
        version = report.current_version
        if not reason:
            raise ReportError("退回时必须填写退回原因，说明需要怎样修改")
        if len(reason) > 500:
            raise ReportError("退回原因不能超过 500 字")
        now = clock.now()
        if version is not None and version.status == Status.SUBMITTED:
            _require_own_unit(user, "reports.sign", report, "退回")
            version.status = Status.DRAFT
            version.submitted_at = None
            version.submitted_by = None
            version.returned_by = user
            version.returned_at = now
            version.return_reason = reason
            version.save(
                update_fields=[
                    "status",
                    "submitted_at",
                    "submitted_by",
                    "returned_by",
                    "returned_at",
                    "return_reason",
                ]
            )
            _bump(report, status=Status.DRAFT)
        elif version is not None and version.status in (Status.SIGNED, Status.RECEIVED):
            _require_receiver(user, report, "退回")
            version.status = Status.RETURNED
            version.returned_by = user
            version.returned_at = now
            version.return_reason = reason
            version.save(update_fields=["status", "returned_by", "returned_at", "return_reason"])
            _bump(report, status=Status.RETURNED)
        else:
            state = Status(version.status).label if version else "未填报"
            raise ReportConflict(f"当前状态为「{state}」，不能退回")
        _event(report, version, user, "退回", reason, source)
        _notify_unit(
            report,
            None,
            f"{report.unit.name}{report.period}周报被退回",
            f"{user.display_name}退回：{reason}",
        )
        return version


def revise_report(
    user: User, report: Report, *, revision: int | None, source: str = "web"
) -> ReportVersion:
    """Start a new version from a signed (or returned) one; it must be signed again."""
    with transaction.atomic():
        report = _locked(report, revision)
        _require_own_unit(user, "reports.fill", report, "更正")
        version = report.current_version
        if version is None or not version.is_signed:
            raise ReportConflict("当前版本尚未签字，可直接修改，无需生成新版本")
        return _new_version(user, report, version.payload, version, source)


def attach(user: User, report: Report, upload: UploadedFile, *, source: str = "web") -> Attachment:
    """Add a checked file (type by content and name, size) to the editable version."""
    name = PurePath(upload.name or "").name[:200]
    suffix = PurePath(name).suffix.lower()
    limit = min(ATTACHMENT_MAX_BYTES, settings.TUOPIN_UPLOAD_MAX_BYTES)
    if upload.size > limit:
        raise ReportError(
            f"附件「{name}」大小 {upload.size / 1048576:.1f} MB，超过 {limit // 1048576} MB 上限"
        )
    if upload.size == 0:
        raise ReportError(f"附件「{name}」是空文件")
    try:
        filekinds.check(upload, name, filekinds.ATTACHMENTS)
    except filekinds.WrongKind as error:
        raise ReportError(str(error)) from None
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        report = _locked(report, None)
        _require_own_unit(user, "reports.fill", report, "上传附件")
        _require_open(report, clock.now())
        if report.current_version is None:
            _new_version(user, report, content.carried_over(report), None, source)
        version = _editable_version(report)
        item = Attachment(
            version=version,
            name=name,
            size=upload.size,
            content_type=ATTACHMENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "",
            sha256=digest.hexdigest(),
            uploaded_by=user,
            uploaded_at=clock.now(),
        )
        item.file.save(name, upload, save=False)
        item.save()
        _bump(report)
        _event(report, version, user, "上传附件", name, source)
        return item


def detach(user: User, report: Report, attachment_id: int, *, source: str = "web") -> None:
    with transaction.atomic():
        report = _locked(report, None)
        _require_own_unit(user, "reports.fill", report, "删除附件")
        version = _editable_version(report)
        item = version.attachments.filter(pk=attachment_id).first()
        if item is None:
            raise ReportError("附件不存在或不属于当前版本")
        item.delete()  # the row only: the file may be shared with a signed version
        _bump(report)
        _event(report, version, user, "删除附件", item.name, source)


def grant_exception(
    user: User,
    report: Report,
    *,
    deadline: dt.datetime | None,
    exempt: bool,
    reason: str,
    source: str = "web",
) -> Report:
    """HQ moves one unit's deadline (its lock moves with it) or exempts it for the week."""
    reason = (reason or "").strip()
    with transaction.atomic():
        report = _locked(report, None)
        if not can(user, "reports.manage", report):
            raise ReportForbidden("只有县脱贫办可以批准例外")
        if not reason:
            raise ReportError("请填写例外原因（如：主要领导外出，经指挥部同意延后）")
        if report.first_signed_at is not None:
            raise ReportConflict("该单位本周周报已签字，无需办理例外")
        fields: dict = {"exception_reason": reason[:300]}
        if exempt:
            fields["timeliness"] = Timeliness.EXEMPT
            note = f"免报：{reason}"
        else:
            if deadline is None:
                raise ReportError("请填写新的截止时间，或选择本周免报")
            if deadline <= report.period.deadline:
                raise ReportError(f"新的截止时间必须晚于本周截止时间{_fmt(report.period.deadline)}")
            grace = report.period.closes_at - report.period.deadline
            fields.update(
                deadline=deadline,
                closes_at=deadline + grace,
                timeliness=Timeliness.PENDING if deadline > clock.now() else Timeliness.OVERDUE,
            )
            note = f"截止时间延至{_fmt(deadline)}：{reason}"
        _bump(report, **fields)
        _event(report, None, user, "例外", note, source)
        return report


def _notify_unit(report: Report, role: str | None, title: str, body: str) -> None:
    users = User.objects.filter(unit_id=report.unit_id, is_active=True)
    users = (
        users.filter(role=role)
        if role
        else users.filter(role__in=[Role.UNIT_REPORTER, Role.UNIT_HEAD])
    )
    url = reverse("reports:report", args=[report.pk])
    Notification.objects.bulk_create(
        [Notification(user=u, at=clock.now(), title=title, body=body, url=url) for u in users]
    )
