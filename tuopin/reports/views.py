"""Web pages: my periods, a period's reports, the phone-friendly form, sign-off, agenda, rates."""

from __future__ import annotations

import datetime as dt
from itertools import zip_longest

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.lib import clock
from tuopin.lib.cn_dates import WEEKDAY_CHOICES
from tuopin.org.access import can, has_capability, is_county_wide, visible_q
from tuopin.plan.models import Campaign
from tuopin.reports import actions, agenda, timeliness
from tuopin.reports import payload as content
from tuopin.reports.models import (
    Attachment,
    Notification,
    Period,
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
    mine = []
    if user.unit_id:
        mine = list(
            Report.objects.filter(unit_id=user.unit_id)
            .select_related("period", "period__campaign")
            .order_by("-period__deadline")[:30]
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
def period_page(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(
        Period.objects.visible_to(request.user).select_related("campaign"), pk=pk
    )
    reports = (
        Report.objects.visible_to(request.user)
        .filter(period=period)
        .select_related("unit", "current_version")
        .order_by("unit__kind", "unit__name")
    )
    summary = timeliness.period_timeliness(period) if is_county_wide(request.user) else None
    return render(
        request,
        "reports/period.html",
        {
            "period": period,
            "reports": reports,
            "summary": summary,
            "state": period.state_label(clock.now()),
            "unread": _unread(request.user),
        },
    )


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
        try:
            actions.save_report(request.user, report, data, revision=_revision(request))
            if request.POST.get("intent") == "submit":
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
            deadline = dt.datetime.fromisoformat(raw).replace(tzinfo=clock.SHANGHAI)
        except ValueError:
            messages.error(request, f"截止时间「{raw}」格式不正确，应为 2018-07-21T12:00")
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
@require_POST
def upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要上传的文件")
        return redirect("reports:edit", pk=report.pk)
    try:
        actions.attach(request.user, report, upload)
        messages.success(request, f"已上传附件「{upload.name}」")
    except actions.ReportError as error:
        if error.status == 403:
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
    return redirect("reports:edit", pk=report.pk)


@login_required
@require_POST
def detach_view(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    report = _report(request, pk)
    try:
        actions.detach(request.user, report, attachment_id)
        messages.success(request, "已删除附件")
    except actions.ReportError as error:
        if error.status == 403:
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
    return redirect("reports:edit", pk=report.pk)


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
        {"period": period, "items": items, "unread": _unread(request.user)},
    )


@login_required
def rates_page(request: HttpRequest) -> HttpResponse:
    if not is_county_wide(request.user):
        raise PermissionDenied("签报率统计仅对县级用户开放")
    campaigns = Campaign.objects.filter(
        pk__in=Period.objects.visible_to(request.user).values("campaign_id")
    )
    campaign = campaigns.filter(pk=request.GET.get("campaign") or 0).first() or campaigns.first()
    if campaign is None:
        raise Http404
    weeks = request.GET.get("weeks", "")
    periods = timeliness.recent_periods(campaign, int(weeks)) if weeks.isdigit() else None
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
        grace_minutes = round(float(grace) * 60)
        if not 0 <= grace_minutes <= 14 * 24 * 60:
            raise ValueError
    except ValueError:
        errors.append(f"补报时限「{grace}」无效：应为 0 到 336 之间的小时数")
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
