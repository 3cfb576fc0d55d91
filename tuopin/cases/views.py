"""Ledger pages: list with filters, case page with timeline and clocks, step forms, inspections."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.cases import actions, backlog, limits
from tuopin.cases.exports import ledger_title, ledger_workbook
from tuopin.cases.forms import (
    AssignForm,
    CalendarDayForm,
    FilterForm,
    FindingForm,
    LimitForm,
    NoteForm,
    RegisterForm,
    VisitForm,
)
from tuopin.cases.models import (
    OPEN_STATES,
    CalendarDay,
    Case,
    CaseAttachment,
    InspectionVisit,
    Outcome,
)
from tuopin.lib import clock, filekinds
from tuopin.lib.workdays import SHIPPED
from tuopin.offline.sync import offline_form
from tuopin.org import privacy, uploads
from tuopin.org.access import can, has_capability
from tuopin.org.codes import subtree_q


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "cases/forbidden.html", {"message": message}, status=403)


def user_scope(user):
    """The scope whose backlog a user reads: their subtree, else their unit, else everything."""
    if user.scope_id:
        return user.scope
    if user.unit_id:
        return user.unit
    return None


def _uploads(request: HttpRequest) -> list[actions.Upload]:
    try:
        files = uploads.received_files(request, "attachment", kinds=filekinds.ATTACHMENTS)
    except uploads.UploadRefused as error:
        raise actions.CaseError(str(error)) from None
    return [actions.Upload(f.name, f.read()) for f in files]


def filtered_cases(request: HttpRequest):
    form = FilterForm(request.GET or None, user=request.user)
    cases = Case.objects.visible_to(request.user).select_related("unit", "org_unit")
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            cases = cases.filter(kind=data["kind"])
        if data["state"] == "open":
            cases = cases.filter(state__in=OPEN_STATES)
        elif data["state"]:
            cases = cases.filter(state=data["state"])
        if data["town"]:
            cases = cases.filter(subtree_q(data["town"], "org_code"))
        if data["unit"]:
            cases = cases.filter(unit=data["unit"])
        if data["overdue"]:
            cases = cases.filter(backlog.overdue_q(clock.now()))
        if data["q"]:
            cases = cases.filter(Q(number__icontains=data["q"]) | Q(title__icontains=data["q"]))
    return form, cases


@login_required
def home(request: HttpRequest) -> HttpResponse:
    form, cases = filtered_cases(request)
    now = clock.now()
    page = Paginator(cases.annotate(is_overdue=backlog.overdue_q(now)), 50).get_page(
        request.GET.get("page")
    )
    scope = user_scope(request.user)
    figures = backlog.figures(scope)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/home.html",
        {
            "form": form,
            "page": page,
            "figures": figures,
            "query": query.urlencode(),
            "can_register": has_capability(request.user, "cases.register"),
            "can_manage": has_capability(request.user, "cases.manage"),
            "can_inspect": has_capability(request.user, "inspections.record"),
        },
    )


@login_required
def export(request: HttpRequest) -> HttpResponse:
    form, cases = filtered_cases(request)
    kind = form.cleaned_data.get("kind") if form.is_valid() else None
    scope = user_scope(request.user)
    scope_name = scope.name if scope is not None else "全县"
    title = ledger_title(kind, scope_name)
    with privacy.output(request.user, what=f"导出{title}", via="export") as shown:
        content = ledger_workbook(cases.order_by("registered_at", "id"), title=title, shown=shown)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"cases-{clock.today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@offline_form("cases.register")
@uploads.upload_limit(actions.MAX_ATTACHMENT_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, "cases.register"):
        return _forbidden(request, "您没有登记问题的权限")
    form = RegisterForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = actions.register_case(
                request.user,
                kind=data["kind"],
                source=data["source"],
                title=data["title"],
                content=data["content"],
                org_unit=data["org_unit"],
                reporter_name=data["reporter_name"],
                reporter_phone=data["reporter_phone"],
                subject=data["subject"],
                attachments=_uploads(request),
            )
        except actions.CaseError as error:
            form.add_error(None, str(error))
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        else:
            messages.success(request, f"已登记：{case.number}")
            return redirect("cases:case", pk=case.pk)
    return render(request, "cases/register.html", {"form": form})


@login_required
def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(
        Case.objects.visible_to(request.user).select_related("unit", "org_unit", "visit"), pk=pk
    )
    events = case.events.select_related("actor").prefetch_related("attachments")
    clocks = case.clocks.select_related("holder_unit")
    now = clock.now()
    shown = (
        privacy.shown(request.user, case, what=f"案件 {case.number}：反映人、电话、查询码")
        if case.has_personal_data
        else privacy.MASKED
    )
    available = actions.available_actions(request.user, case)
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "events": events,
            "clocks": [
                {
                    "row": c,
                    "breached": c.is_breached(now),
                    "delay_days": round(c.delay_seconds(now) / 86400, 1),
                    "paused_days": round(c.paused_seconds(now) / 86400, 1),
                }
                for c in clocks
            ],
            "phone": shown.phone(case.reporter_phone),
            "reporter": shown.name(case.reporter_name),
            "available": [(name, actions.ACTION_LABELS[name]) for name in available],
            "assign_form": AssignForm(),
            "outcomes": Outcome.choices,
            "note_form": NoteForm(),
            "ratings": case.ratings.all(),
            "tracking_code": actions.format_tracking_code(shown.secret(case.tracking_code) or ""),
        },
    )


def _call(name: str, request: HttpRequest, case: Case) -> None:
    user, post = request.user, request.POST
    note = post.get("note", "")
    uploads = _uploads(request)
    if name == "accept":
        actions.accept_case(user, case, note=note)
    elif name == "reject":
        actions.reject_case(user, case, reason=note)
    elif name == "assign":
        form = AssignForm(post)
        if not form.is_valid():
            raise actions.CaseError(
                "交办信息有误：" + "；".join(e for errs in form.errors.values() for e in errs)
            )
        actions.assign_case(
            user,
            case,
            unit=form.cleaned_data["unit"],
            due_at=form.cleaned_data["due_at"],
            note=note,
            attachments=uploads,
        )
    elif name == "start":
        actions.start_case(user, case, note=note)
    elif name == "return":
        actions.return_case(user, case, reason=note)
    elif name == "pause":
        actions.pause_case(user, case, reason=note)
    elif name == "resume":
        actions.resume_case(user, case, note=note)
    elif name == "resolve":
        actions.resolve_case(
            user, case, resolution=note, attachments=uploads, outcome=post.get("outcome", "")
        )
    elif name == "handover":
        form = AssignForm(post)
        unit = form.cleaned_data["unit"] if form.is_valid() else None
        actions.hand_over(user, case, unit=unit, note=note)
    elif name == "verify":
        actions.verify_case(user, case, note=note)
    elif name == "close":
        actions.close_case(user, case, note=note)
    elif name == "reopen":
        actions.reopen_case(user, case, reason=note)
    elif name == "comment":
        actions.comment_case(user, case, note=note, attachments=uploads)


@uploads.upload_limit(actions.MAX_ATTACHMENT_BYTES)
@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    if name not in actions.ACTION_LABELS or name in ("register", "escalate", "rate", "merge"):
        return _forbidden(request, f"没有名为“{name}”的操作")
    try:
        _call(name, request, case)
    except PermissionDenied as error:
        return _forbidden(request, str(error) or "您没有权限执行此操作")
    except actions.CaseError as error:
        messages.error(request, f"未能{actions.ACTION_LABELS[name]}：{error}")
    else:
        messages.success(request, f"已{actions.ACTION_LABELS[name]}")
    return redirect("cases:case", pk=case.pk)


@login_required
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        CaseAttachment.objects.filter(event__case__in=Case.objects.visible_to(request.user)), pk=pk
    )
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


@login_required
def backlog_page(request: HttpRequest) -> HttpResponse:
    scope = user_scope(request.user)
    now = clock.now()
    days = [clock.today() - dt.timedelta(days=7 * weeks) for weeks in range(7, -1, -1)]
    return render(
        request,
        "cases/backlog.html",
        {
            "figures": backlog.figures(scope, now),
            "by_town": backlog.breakdown(scope, now, by="town"),
            "by_unit": backlog.breakdown(scope, now, by="unit"),
            "by_kind": backlog.breakdown(scope, now, by="kind"),
            "series": backlog.series(scope, days),
            "delays": [d for d in backlog.delay_by_holder(scope, now) if d.breached][:20],
            "satisfaction": backlog.satisfaction(scope, now),
        },
    )


# ---------------------------------------------------------------------------------------------
# Inspections


@login_required
def inspections(request: HttpRequest) -> HttpResponse:
    visits = InspectionVisit.objects.visible_to(request.user).select_related("org_unit")
    return render(
        request,
        "cases/inspections.html",
        {
            "visits": Paginator(visits, 50).get_page(request.GET.get("page")),
            "can_inspect": has_capability(request.user, "inspections.record"),
        },
    )


@offline_form("cases.inspection")
@login_required
@require_http_methods(["GET", "POST"])
def inspection_new(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, "inspections.record"):
        return _forbidden(request, "只有督查人员可以记录督查")
    form = VisitForm(request.POST or None, user=request.user, initial={"visited_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = actions.record_visit(
                request.user,
                org_unit=data["org_unit"],
                visited_on=data["visited_on"],
                inspectors=data["inspectors"],
                is_unannounced=data["is_unannounced"],
                cadres_expected=data["cadres_expected"],
                cadres_present=data["cadres_present"],
                files_checked=data["files_checked"],
                files_ok=data["files_ok"],
                progress_note=data["progress_note"],
                notes=data["notes"],
                milestones=data["milestones"],
            )
        except actions.CaseError as error:
            form.add_error(None, str(error))
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        else:
            messages.success(request, "督查记录已保存，可继续登记发现的问题")
            return redirect("cases:inspection", pk=visit.pk)
    return render(request, "cases/inspection_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def inspection_page(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(
        InspectionVisit.objects.visible_to(request.user).select_related("org_unit"), pk=pk
    )
    may_record = can(request.user, "inspections.record", visit)
    form = FindingForm(request.POST or None)
    if request.method == "POST":
        if not may_record:
            return _forbidden(request, "只有督查人员可以登记督查发现的问题")
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = actions.record_finding(
                    request.user,
                    visit,
                    title=data["title"],
                    content=data["content"],
                    unit=data["unit"],
                    due_on=data["due_on"],
                )
            except actions.CaseError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"已生成整改件 {case.number} 并交办{case.unit.name}")
                return redirect("cases:inspection", pk=visit.pk)
    return render(
        request,
        "cases/inspection.html",
        {
            "visit": visit,
            "cases": visit.cases.visible_to(request.user).select_related("unit"),
            "milestones": visit.milestones.select_related("action"),
            "form": form,
            "may_record": may_record,
        },
    )


# ---------------------------------------------------------------------------------------------
# HQ settings


@login_required
@require_http_methods(["GET", "POST"])
def limits_page(request: HttpRequest) -> HttpResponse:
    manage = has_capability(request.user, "cases.manage")
    if request.method == "POST":
        if not manage:
            return _forbidden(request, "只有县脱贫办可以修改办理时限")
        form = LimitForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.set_time_limit(
                    request.user,
                    kind=data["kind"],
                    level=data["level"],
                    stage=data["stage"],
                    days=None if data["no_limit"] else data["days"],
                    working_days=data["working_days"],
                )
            except actions.CaseError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "办理时限已保存，此后开始计时的阶段按新时限计算")
        else:
            messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("cases:limits")
    return render(
        request,
        "cases/limits.html",
        {
            "table": limits.table(),
            "manage": manage,
            "stage_headers": [limits.STAGE_LABELS[s] for s in limits.STAGES_WITH_PARK],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    manage = has_capability(request.user, "cases.manage")
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST":
        if not manage:
            return _forbidden(request, "只有县脱贫办可以调整节假日")
        if form.is_valid():
            actions.set_calendar_day(request.user, **form.cleaned_data)
            messages.success(request, "节假日安排已保存")
            return redirect("cases:calendar")
    shipped = [(day, False) for year in SHIPPED.values() for day in year["holidays"]] + [
        (day, True) for year in SHIPPED.values() for day in year["workdays"]
    ]
    return render(
        request,
        "cases/calendar.html",
        {
            "form": form,
            "manage": manage,
            "edits": CalendarDay.objects.all(),
            "shipped": sorted(shipped),
        },
    )
