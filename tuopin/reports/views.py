"""Web pages: my periods, a period's reports, the phone-friendly form, sign-off, agenda, rates."""

from __future__ import annotations

import datetime as dt
from itertools import zip_longest

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.cases.models import Case
from tuopin.lib import bounds, clock, filekinds
from tuopin.lib.cn_dates import WEEKDAY_CHOICES
from tuopin.offline.sync import offline_form
from tuopin.org import uploads
from tuopin.org.access import can, has_capability, is_county_wide, visible_q
from tuopin.org.models import ResponsibleUnit
from tuopin.plan.models import Campaign
from tuopin.reports import actions, agenda, fieldwork, reminders, timeliness
from tuopin.reports import payload as content
from tuopin.reports.models import (
    Attachment,
    Notification,
    Period,
    Reminder,
    ReminderSlot,
    Report,
    ReportVersion,
    Status,
)
from tuopin.reports.periods import rule_for


def _report(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(
        Report.objects.visible_to(request.user).select_related(
            "period", "period__campaign", "unit", "unit__org_unit", "current_version"
        ),
        pk=pk,
    )


def _unread(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = clock.now()
    if user.unit_id:
        own = Report.objects.filter(unit_id=user.unit_id)
    elif not is_county_wide(user):
        # A town or village cadre follows the reports of the units in its area (its town).
        own = Report.objects.visible_to(user)
    else:
        own = Report.objects.none()
    mine = list(
        own.select_related("period", "period__campaign", "unit").order_by(
            "-period__deadline", "unit__name"
        )[:30]
    )
    periods = (
        Period.objects.visible_to(user)
        .select_related("campaign")
        .annotate(
            on_time=Count("reports", filter=Q(reports__timeliness="on_time")),
            late=Count("reports", filter=Q(reports__timeliness="late")),
            missing=Count("reports", filter=Q(reports__timeliness="missing")),
            total=Count("reports"),
        )
        .order_by("-deadline")[:30]
        if is_county_wide(user)
        else []
    )
    return render(
        request,
        "reports/home.html",
        {
            "mine": mine,
            "periods": periods,
            "now": now,
            "unread": _unread(user),
            "campaigns": Campaign.objects.filter(
                pk__in=Period.objects.visible_to(user).values("campaign_id")
            ),
            "can_manage": has_capability(user, "reports.manage"),
        },
    )


@login_required
def current_report(request: HttpRequest) -> HttpResponse:
    """A unit's first page: its report of the week now open (else the latest one, else 周报)."""
    report = None
    if request.user.unit_id:
        report = (
            Report.objects.filter(unit_id=request.user.unit_id, period__opens_at__lte=clock.now())
            .order_by("-period__deadline")
            .first()
        )
    if report is None:
        return redirect("reports:home")
    return redirect("reports:report", pk=report.pk)


@login_required
def period_page(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(
        Period.objects.visible_to(request.user).select_related("campaign"), pk=pk
    )
    county_wide = is_county_wide(request.user)
    # County-wide readers see every expected unit, also one that has no report row yet.
    rows = timeliness.period_roster(
        period, None if county_wide else Report.objects.visible_to(request.user)
    )
    counts = timeliness.roster_counts(rows)
    notices = []
    show = request.GET.get("show") or "all"
    if show not in timeliness.ROSTER_FILTERS:
        notices.append(f"筛选条件“{show}”无效，已显示全部单位")
        show = "all"
    sort = request.GET.get("sort") or "unit"
    if sort not in timeliness.ROSTER_SORTS:
        notices.append(f"排序方式“{sort}”无效，已按单位排序")
        sort = "unit"
    keep = timeliness.ROSTER_FILTERS[show][1]
    shown = sorted((row for row in rows if keep(row)), key=timeliness.ROSTER_SORTS[sort][1])
    now = clock.now()
    may_chase = (
        can(request.user, "reports.manage", period)
        and period.closed_at is None
        and period.opens_at <= now
    )
    if may_chase:
        chases = reminders.last_chases(period)
        for row in shown:
            row.last_chase = chases.get(row.unit.pk)
    return render(
        request,
        "reports/period.html",
        {
            "period": period,
            "rows": shown,
            "counts": counts,
            "county_wide": county_wide,
            "filters": [
                (key, label, counts[key])
                for key, (label, _keep) in timeliness.ROSTER_FILTERS.items()
            ],
            "sorts": [(key, label) for key, (label, _key) in timeliness.ROSTER_SORTS.items()],
            "show": show,
            "sort": sort,
            "notices": notices,
            "may_chase": may_chase,
            "state": period.state_label(now),
            "unread": _unread(request.user),
        },
    )


@login_required
@require_POST
def chase_view(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(
        Period.objects.visible_to(request.user).select_related("campaign"), pk=pk
    )
    if not can(request.user, "reports.manage", period):
        raise PermissionDenied("只有县脱贫办可以催报")
    unit = None
    chosen = request.POST.get("unit", "").strip()
    if chosen:
        if not chosen.isdigit():
            raise Http404("没有这个单位")
        unit = get_object_or_404(ResponsibleUnit, pk=int(chosen))
    try:
        result = reminders.chase(period, unit, actor=request.user)
    except reminders.ChaseRefused as error:
        messages.error(request, str(error))
    else:
        names = "、".join(chased.name for chased in result.chased)
        messages.success(request, f"已向 {len(result.chased)} 个单位催报：{names}")
        if result.recently:
            recent = "、".join(
                f"{chased.name}（{clock.local(at):%H:%M}）" for chased, at in result.recently
            )
            messages.info(request, f"{recent}刚催报过，本次未重复催报")
        if result.unreachable:
            unreachable = "、".join(chased.name for chased in result.unreachable)
            messages.warning(request, f"{unreachable}没有可接收提醒的账号，请电话联系")
        failed = Reminder.objects.filter(pk__in=result.reminder_ids).exclude(error="").count()
        if failed:
            messages.warning(
                request, f"有 {failed} 条提醒发送失败（已记录），请检查邮件或群机器人设置"
            )
    return redirect(_period_url(period, request.POST.get("next_query", "")))


def _period_url(period: Period, query: str) -> str:
    """Back to the period page with the filter and sort the user had (only those two)."""
    kept = QueryDict(query).dict()
    params = {key: kept[key] for key in ("show", "sort") if kept.get(key)}
    url = reverse("reports:period", args=[period.pk])
    return f"{url}?{urlencode(params)}" if params else url


def _detail_context(request: HttpRequest, report: Report) -> dict:
    user = request.user
    version = report.current_version
    shown = version
    if version is not None and not version.is_signed and not _own(user, report):
        # Others see the last signed content, not a draft in progress.
        shown = content.last_signed_version(report)
    own = _own(user, report)
    return {
        "report": report,
        "version": version,
        "shown": shown,
        "sections": content.sections(report, shown.payload) if shown else [],
        "versions": report.versions.select_related("signed_by", "submitted_by").order_by("-number"),
        "events": report.events.select_related("actor").order_by("-at", "-id")[:50],
        "can_fill": own and has_capability(user, "reports.fill"),
        "can_sign": own and has_capability(user, "reports.sign"),
        "can_receive": can(user, "reports.receive", report),
        "can_manage": can(user, "reports.manage", report),
        "Status": Status,
        "unread": _unread(user),
        # The leaders' instructions this unit still has to carry out (its own page shows them).
        "instructions": agenda.open_instructions(Case.objects.filter(unit_id=report.unit_id))
        if own
        else [],
    }


def _own(user, report: Report) -> bool:
    return user.is_superuser or (user.unit_id is not None and user.unit_id == report.unit_id)


@login_required
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    return render(request, "reports/report.html", _detail_context(request, report))


def _posted_data(request: HttpRequest, report: Report) -> dict:
    sections = content.sections(report, None)
    return {
        "actions": [
            {
                "action": section.action.pk,
                **{
                    name: request.POST.get(f"a{section.action.pk}-{name}", "")
                    for name in content.TEXT_FIELDS
                },
                "milestones": [
                    {
                        "milestone": row.milestone.pk,
                        "value": request.POST.get(f"m{row.milestone.pk}-value", ""),
                        "status": request.POST.get(f"m{row.milestone.pk}-status", "not_started"),
                        "explanation": request.POST.get(f"m{row.milestone.pk}-explanation", ""),
                    }
                    for row in section.milestones
                ],
            }
            for section in sections
        ]
    }


def _revision(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


@offline_form("reports.edit", version=fieldwork.form_version)
@uploads.upload_limit(actions.ATTACHMENT_MAX_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    if not (_own(request.user, report) and has_capability(request.user, "reports.fill")):
        raise PermissionDenied("只能填报本单位的周报")
    version = report.current_version
    if version is not None and version.is_signed:
        messages.warning(
            request, "已签字的周报不能直接修改；如需更正，请点击「更正（生成新版本）」"
        )
        return redirect("reports:report", pk=report.pk)
    errors: list = []
    status = 200
    if request.method == "POST":
        data = _posted_data(request, report)
        intent = request.POST.get("intent")
        try:
            actions.save_report(request.user, report, data, revision=_revision(request))
            # The draft is saved before any attachment changes, so typed text is never lost.
            touched, failed = _change_attachments(request, report)
            if failed or (touched and intent != "submit"):
                return redirect("reports:edit", pk=report.pk)
            if intent == "submit":
                report.refresh_from_db()
                actions.submit_report(request.user, report, revision=report.revision)
                messages.success(request, "已提交，等待主要领导签字")
            else:
                messages.success(request, "已保存")
            return redirect("reports:report", pk=report.pk)
        except actions.ReportError as error:
            errors = error.errors or [{"field": "", "message": error.message}]
            status = error.status
            payload_data = data
            report.refresh_from_db()
    else:
        payload_data = version.payload if version else content.carried_over(report)
    return render(
        request,
        "reports/edit.html",
        {
            "report": report,
            "version": report.current_version,
            "sections": content.sections(report, payload_data),
            "statuses": content.MILESTONE_STATUSES,
            "errors": errors,
            "error_fields": {error["field"] for error in errors},
            "unread": _unread(request.user),
        },
        status=status,
    )


def _change_attachments(request: HttpRequest, report: Report) -> tuple[bool, bool]:
    """Upload the chosen file or delete one (the edit form's 上传/删除 buttons): (touched, failed)."""
    detach = request.POST.get("detach", "")
    try:
        upload = uploads.received_file(request, "file", kinds=filekinds.ATTACHMENTS)
    except uploads.UploadRefused as error:
        messages.error(request, f"草稿已保存，但附件未处理：{error}")
        return True, True
    if upload is None and not detach and request.POST.get("intent") != "upload":
        return False, False
    report.refresh_from_db()
    try:
        if detach:
            actions.detach(request.user, report, int(detach) if detach.isdigit() else 0)
            messages.success(request, "草稿已保存，已删除附件")
        elif upload is not None:
            actions.attach(request.user, report, upload)
            messages.success(request, f"草稿已保存，已上传附件「{upload.name}」")
        else:
            messages.warning(request, "草稿已保存；请先选择要上传的附件")
    except actions.ReportError as error:
        messages.error(request, f"草稿已保存，但附件未处理：{error.message}")
        return True, True
    return True, False


def _transition(request: HttpRequest, pk: int, run, done: str) -> HttpResponse:
    report = _report(request, pk)
    try:
        run(report)
        messages.success(request, done)
    except actions.ReportError as error:
        if error.status == 403:
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
    return redirect("reports:report", pk=report.pk)


@login_required
@require_POST
def submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        lambda r: actions.submit_report(request.user, r, revision=_revision(request)),
        "已提交，等待主要领导签字",
    )


@login_required
@require_POST
def sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    if request.POST.get("confirm") != "1":
        # Signing locks the content for good: the head ticks that it was read (no JS needed).
        report = _report(request, pk)
        if not (_own(request.user, report) and has_capability(request.user, "reports.sign")):
            raise PermissionDenied("只有本单位主要领导可以签字")
        messages.error(request, "未签字：请先勾选“我已核对以上内容”，再点击签字")
        return redirect("reports:report", pk=report.pk)
    return _transition(
        request,
        pk,
        lambda r: actions.sign_report(request.user, r, revision=_revision(request)),
        "已签字，内容已锁定",
    )


@login_required
@require_POST
def receive_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        lambda r: actions.receive_report(request.user, r, revision=_revision(request)),
        "已接收",
    )


@login_required
@require_POST
def return_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        lambda r: actions.return_report(
            request.user, r, revision=_revision(request), reason=request.POST.get("reason", "")
        ),
        "已退回",
    )


@login_required
@require_POST
def revise_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    try:
        actions.revise_report(request.user, report, revision=_revision(request))
    except actions.ReportError as error:
        if error.status == 403:
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
        return redirect("reports:report", pk=report.pk)
    messages.info(request, "已生成新版本，修改后须重新提交并由主要领导签字")
    return redirect("reports:edit", pk=report.pk)


@login_required
@require_POST
def exception_view(request: HttpRequest, pk: int) -> HttpResponse:
    deadline = None
    raw = request.POST.get("deadline", "").strip()
    if raw:
        try:
            deadline = bounds.parse_moment(raw, "截止时间").astimezone(clock.SHANGHAI)
        except bounds.OutOfBounds as error:
            messages.error(request, str(error))
            return redirect("reports:report", pk=pk)
    return _transition(
        request,
        pk,
        lambda r: actions.grant_exception(
            request.user,
            r,
            deadline=deadline,
            exempt=request.POST.get("exempt") == "1",
            reason=request.POST.get("reason", ""),
        ),
        "已办理例外",
    )


@login_required
def attachment_view(request: HttpRequest, pk: int) -> FileResponse:
    item = get_object_or_404(Attachment.objects.select_related("version__report"), pk=pk)
    report = _report(request, item.version.report_id)
    if not item.version.is_signed and not _own(request.user, report):
        raise Http404
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


@login_required
def version_page(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ReportVersion.objects.select_related("report"), pk=pk)
    report = _report(request, version.report_id)
    if not version.is_signed and not _own(request.user, report):
        raise Http404
    verified = (
        content.content_hash(version.canonical) == version.content_hash
        if version.canonical
        else None
    )
    return render(
        request,
        "reports/version.html",
        {
            "report": report,
            "version": version,
            "sections": content.sections(report, version.payload),
            "verified": verified,
            "unread": _unread(request.user),
        },
    )


@login_required
def agenda_page(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(
        Period.objects.visible_to(request.user).select_related("campaign"), pk=pk
    )
    items = agenda.build(period, Report.objects.visible_to(request.user))
    return render(
        request,
        "reports/agenda.html",
        {
            "period": period,
            "items": items,
            "instructions": agenda.open_instructions(Case.objects.visible_to(request.user)),
            "can_record_meeting": has_capability(request.user, "command.manage"),
            "unread": _unread(request.user),
        },
    )


@login_required
def rates_page(request: HttpRequest) -> HttpResponse:
    if not is_county_wide(request.user):
        raise PermissionDenied("签报率统计仅对县级用户开放")
    campaigns = Campaign.objects.filter(
        pk__in=Period.objects.visible_to(request.user).values("campaign_id")
    )
    chosen = bounds.parse_id(request.GET.get("campaign"))
    campaign = (chosen and campaigns.filter(pk=chosen).first()) or campaigns.first()
    if campaign is None:
        raise Http404
    weeks = request.GET.get("weeks", "")
    periods = (
        timeliness.recent_periods(campaign, int(weeks))
        if weeks.isascii() and weeks.isdigit() and len(weeks) <= 4
        else None
    )
    return render(
        request,
        "reports/rates.html",
        {
            "campaign": campaign,
            "weekly": timeliness.weekly_rates(campaign, periods),
            "units": timeliness.unit_rates(campaign, periods),
            "actions": timeliness.action_rates(campaign, periods),
            "towns": timeliness.town_rates(campaign, periods),
            "weeks": weeks,
            "unread": _unread(request.user),
        },
    )


@login_required
def notifications_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        Notification.objects.filter(user=request.user, read_at__isnull=True).update(
            read_at=clock.now()
        )
        return redirect("reports:notifications")
    items = Notification.objects.filter(user=request.user)[:100]
    return render(
        request,
        "reports/notifications.html",
        {"items": items, "unread": _unread(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(
        Campaign.objects.filter(visible_q(request.user, code_path="county__code")), pk=pk
    )
    if not can(request.user, "reports.manage", campaign):
        raise PermissionDenied("只有县脱贫办可以设置周报规则")
    rule = rule_for(campaign)
    errors = []
    if request.method == "POST":
        errors = _save_settings(request, rule)
        if not errors:
            messages.success(request, "周报规则已保存")
            return redirect("reports:settings", pk=campaign.pk)
    return render(
        request,
        "reports/settings.html",
        {
            "campaign": campaign,
            "rule": rule,
            "slot_rows": _slot_rows(request, rule, errors),
            "errors": errors,
            "weekdays": WEEKDAY_CHOICES,
            "unread": _unread(request.user),
        },
        status=400 if errors else 200,
    )


SPARE_SLOT_ROWS = 2  # empty rows under the saved times, for adding new ones


def _slot_rows(request: HttpRequest, rule, errors: list[str]) -> list[tuple[int | None, str]]:
    """(weekday, "HH:MM") rows of the reminder form: as typed when it was refused, else saved."""
    if errors:
        rows = [
            (int(day) if day.isdigit() else None, time)
            for day, time in zip_longest(
                request.POST.getlist("slot_day"), request.POST.getlist("slot_time"), fillvalue=""
            )
        ]
    else:
        rows = [(slot.weekday, f"{slot.time:%H:%M}") for slot in rule.slots.all()]
    return rows + [(None, "")] * SPARE_SLOT_ROWS


def _reminder_slots(request: HttpRequest, errors: list[str]) -> list[tuple[int, dt.time]]:
    slots = []
    rows = zip_longest(
        request.POST.getlist("slot_day"), request.POST.getlist("slot_time"), fillvalue=""
    )
    for number, (day_text, time_text) in enumerate(rows, start=1):
        day_text, time_text = day_text.strip(), time_text.strip()
        if not day_text and not time_text:
            continue
        if not day_text or not time_text:
            errors.append(f"第 {number} 行提醒时间不完整：请同时选择星期和填写时间")
            continue
        try:
            day = int(day_text)
            if not 1 <= day <= 7:
                raise ValueError
            moment = dt.time.fromisoformat(time_text)
        except ValueError:
            errors.append(f"第 {number} 行提醒时间无效：请选择星期一至星期日，时间如 17:00")
            continue
        slots.append((day, moment.replace(second=0, microsecond=0)))
    return slots


def _save_settings(request: HttpRequest, rule) -> list[str]:
    from django.db import transaction

    from tuopin.org import audit

    errors = []
    grace = request.POST.get("grace_hours", "").strip()
    try:
        grace_minutes = round(
            bounds.parse_number(grace, "补报时限", minimum=0, maximum=14 * 24) * 60
        )
    except bounds.OutOfBounds:
        errors.append(f"补报时限「{grace[:40]}」无效：应为 0 到 336 之间的小时数")
        grace_minutes = rule.grace_minutes
    webhook = request.POST.get("webhook_url", "").strip()
    if webhook and not webhook.startswith(("http://", "https://")):
        errors.append(f"群机器人地址「{webhook}」无效：应以 http:// 或 https:// 开头")
    kind = request.POST.get("webhook_kind", "wecom")
    if kind not in ("wecom", "dingtalk"):
        errors.append("群机器人类型应为企业微信或钉钉")
    slots = _reminder_slots(request, errors)
    if errors:
        return errors
    with transaction.atomic():
        audit.apply_changes(
            rule,
            {
                "grace_minutes": grace_minutes,
                "webhook_url": webhook,
                "webhook_kind": kind,
                "email_enabled": request.POST.get("email_enabled") == "1",
            },
            actor=request.user,
        )
        grace_delta = dt.timedelta(minutes=grace_minutes)
        for period in rule.campaign.periods.filter(closed_at__isnull=True):
            Report.objects.filter(period=period, deadline=period.deadline).update(
                closes_at=period.deadline + grace_delta
            )
            period.closes_at = period.deadline + grace_delta
            period.save(update_fields=["closes_at"])
        rule.slots.all().delete()
        ReminderSlot.objects.bulk_create(
            [ReminderSlot(rule=rule, weekday=d, time=t) for d, t in sorted(set(slots))]
        )
    return []
