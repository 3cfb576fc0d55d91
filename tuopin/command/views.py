"""Pages of the command loop: meetings and minutes, leaders' duties, accountability, 排查."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.cases import actions as case_actions
from tuopin.cases.models import Case, DisputeSweep, Kind
from tuopin.command import actions, candidates
from tuopin.command.forms import (
    INSTRUCTION_ROWS,
    PROBLEM_ROWS,
    AssignmentForm,
    InstructionRow,
    MeasureForm,
    MeetingForm,
    ProblemRow,
    ShiftForm,
    SweepForm,
    VisitForm,
)
from tuopin.command.minutes import render_minutes
from tuopin.command.models import (
    AccountabilityRecord,
    DutyShift,
    FieldVisit,
    Meeting,
    TownAssignment,
)
from tuopin.lib import bounds, clock
from tuopin.org.access import has_capability, is_county_wide, visible_q
from tuopin.plan.models import Campaign
from tuopin.reports.models import Period


def _county_wide(request: HttpRequest) -> None:
    if not is_county_wide(request.user):
        raise PermissionDenied("指挥调度页面仅对县级用户开放")


def _errors(form) -> list[str]:
    return [
        f"{form.fields[name].label if name in form.fields else ''}：{e}".lstrip("：")
        for name, errs in form.errors.items()
        for e in errs
    ]


def _campaign() -> Campaign | None:
    return Campaign.objects.filter(is_active=True).order_by("-issued_on", "-id").first()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not is_county_wide(request.user):
        return redirect("command:sweeps")  # towns and villages: their 排查 rounds
    today = clock.today()
    return render(
        request,
        "command/home.html",
        {
            "meetings": Meeting.objects.annotate(n=Count("instructions")).order_by(
                "-held_on", "-id"
            )[:5],
            "instructions": Case.objects.filter(kind=Kind.INSTRUCTION).open().count(),
            "shifts": DutyShift.objects.filter(day=today).select_related("leader"),
            "visits": FieldVisit.objects.select_related("leader", "org_unit")[:5],
            "candidates": len([c for c in candidates.candidates(_campaign()) if not c.decided]),
            "can_manage": has_capability(request.user, "command.manage"),
        },
    )


# ---------------------------------------------------------------------------------------------
# Meetings


@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    _county_wide(request)
    rows = Meeting.objects.annotate(n=Count("instructions")).order_by("-held_on", "-id")
    return render(
        request,
        "command/meetings.html",
        {
            "meetings": Paginator(rows, 30).get_page(request.GET.get("page")),
            "can_manage": has_capability(request.user, "command.manage"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, "command.manage"):
        raise PermissionDenied("只有县脱贫办可以记录会议纪要")
    period = Period.objects.filter(pk=bounds.parse_id(request.GET.get("period"))).first()
    post = request.POST if request.method == "POST" else None
    form = MeetingForm(post, initial={"held_on": clock.today()})
    rows = [InstructionRow(post, prefix=f"i{n}") for n in range(INSTRUCTION_ROWS)]
    heard_units = []
    if period is not None:
        heard_units = [r.unit for r in period.reports.select_related("unit").order_by("unit__name")]
    errors: list[str] = []
    if post is not None:
        valid = form.is_valid() & all([row.is_valid() for row in rows])
        if not valid:
            errors = _errors(form) + [e for row in rows for e in _errors(row)]
        else:
            heard = [(unit, post.get(f"heard_{unit.pk}", "")[:2000]) for unit in heard_units]
            items = [
                actions.InstructionInput(
                    text=row.cleaned_data["text"],
                    unit=row.cleaned_data["unit"],
                    due_on=row.cleaned_data["due_on"],
                    leader=row.cleaned_data["leader"],
                )
                for row in rows
                if not row.is_blank
            ]
            try:
                meeting = actions.record_meeting(
                    request.user,
                    **form.cleaned_data,
                    period=period,
                    heard=heard,
                    instructions=items,
                )
            except actions.CommandError as error:
                errors = [str(error)]
            else:
                messages.success(request, f"已记录会议纪要，交办事项{len(items)}件已进入问题台账")
                return redirect("command:meeting", pk=meeting.pk)
    return render(
        request,
        "command/meeting_new.html",
        {
            "form": form,
            "rows": rows,
            "period": period,
            "heard_units": heard_units,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def meeting_page(request: HttpRequest, pk: int) -> HttpResponse:
    _county_wide(request)
    meeting = get_object_or_404(Meeting, pk=pk)
    return render(
        request,
        "command/meeting.html",
        {
            "meeting": meeting,
            "heard": meeting.heard.select_related("unit"),
            "instructions": meeting.instructions.select_related("unit", "case"),
        },
    )


@login_required
def minutes_docx(request: HttpRequest, pk: int) -> HttpResponse:
    _county_wide(request)
    meeting = get_object_or_404(Meeting, pk=pk)
    response = HttpResponse(
        render_minutes(meeting),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = f"会议纪要-{meeting.held_on:%Y%m%d}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# ---------------------------------------------------------------------------------------------
# Leaders' duties


@login_required
@require_http_methods(["GET", "POST"])
def duty(request: HttpRequest) -> HttpResponse:
    _county_wide(request)
    today = clock.today()
    monday = today - dt.timedelta(days=today.weekday())
    assignment_form = AssignmentForm(prefix="a")
    shift_form = ShiftForm(prefix="s", initial={"day": today})
    errors: list[str] = []
    if request.method == "POST":
        if not has_capability(request.user, "command.manage"):
            raise PermissionDenied("只有县脱贫办可以安排包镇和坐班")
        try:
            if request.POST.get("what") == "assignment":
                assignment_form = AssignmentForm(request.POST, prefix="a")
                if not assignment_form.is_valid():
                    raise actions.CommandError("；".join(_errors(assignment_form)))
                actions.assign_town(request.user, **assignment_form.cleaned_data)
            else:
                shift_form = ShiftForm(request.POST, prefix="s")
                if not shift_form.is_valid():
                    raise actions.CommandError("；".join(_errors(shift_form)))
                actions.schedule_duty(request.user, **shift_form.cleaned_data)
        except actions.CommandError as error:
            errors = [str(error)]
        else:
            messages.success(request, "已保存")
            return redirect("command:duty")
    shifts = DutyShift.objects.filter(
        day__range=(monday, monday + dt.timedelta(days=13))
    ).select_related("leader")
    return render(
        request,
        "command/duty.html",
        {
            "assignments": TownAssignment.objects.filter(until__isnull=True).select_related(
                "leader", "town"
            ),
            "shifts": [(s, actions.may_sign_in(request.user, s)) for s in shifts],
            "today": today,
            "assignment_form": assignment_form,
            "shift_form": shift_form,
            "errors": errors,
            "can_manage": has_capability(request.user, "command.manage"),
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(DutyShift, pk=pk)
    try:
        actions.sign_in(request.user, shift)
    except actions.CommandError as error:
        messages.error(request, f"未能签到：{error}")
    else:
        messages.success(request, f"{shift.leader.display_name} 已签到")
    return redirect("command:duty")


@login_required
@require_http_methods(["GET", "POST"])
def visits(request: HttpRequest) -> HttpResponse:
    """County roles see every visit; a town or village sees the visits to its own area."""
    may_record = actions.may_record_visit(request.user)
    if request.method == "POST" and not may_record:
        raise PermissionDenied("您没有权限记录领导调研")
    initial = {"visited_on": clock.today()}
    if request.user.person_id and request.user.person.is_leader:
        initial["leader"] = request.user.person_id
    post = request.POST if request.method == "POST" and may_record else None
    form = VisitForm(post, initial=initial)
    rows = [ProblemRow(post, prefix=f"p{n}") for n in range(PROBLEM_ROWS)]
    errors: list[str] = []
    if post is not None:
        if not (form.is_valid() & all([row.is_valid() for row in rows])):
            errors = _errors(form) + [e for row in rows for e in _errors(row)]
        else:
            problems = [
                actions.ProblemInput(
                    title=row.cleaned_data["title"],
                    content=row.cleaned_data["title"],
                    unit=row.cleaned_data["unit"],
                    due_on=row.cleaned_data["due_on"],
                )
                for row in rows
                if any(row.cleaned_data.values())
            ]
            try:
                actions.record_visit(request.user, **form.cleaned_data, problems=problems)
            except actions.CommandError as error:
                errors = [str(error)]
            else:
                messages.success(request, f"已记录调研，发现问题{len(problems)}个已进入问题台账")
                return redirect("command:visits")
    return render(
        request,
        "command/visits.html",
        {
            "visits": Paginator(
                FieldVisit.objects.filter(visible_q(request.user, code_path="org_code"))
                .select_related("leader", "org_unit")
                .prefetch_related("cases"),
                30,
            ).get_page(request.GET.get("page")),
            "form": form,
            "rows": rows,
            "errors": errors,
            "may_record": may_record,
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------------------------------------
# Accountability


@login_required
@require_http_methods(["GET", "POST"])
def accountability(request: HttpRequest) -> HttpResponse:
    _county_wide(request)
    can_manage = has_capability(request.user, "command.manage")
    initial = {"decided_on": clock.today()}
    for name in ("reason_kind", "reason", "case"):
        if request.GET.get(name):
            initial[name] = request.GET[name][:2000]
    unit = bounds.parse_id(request.GET.get("unit"))
    if unit:
        initial["subject_unit"] = unit
    form = MeasureForm(request.POST if request.method == "POST" else None, initial=initial)
    errors: list[str] = []
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("只有县脱贫办可以记录问责决定")
        if not form.is_valid():
            errors = _errors(form)
        else:
            data = dict(form.cleaned_data)
            case_id = data.pop("case")
            data["case"] = Case.objects.filter(pk=case_id).first() if case_id else None
            try:
                actions.record_measure(request.user, **data)
            except actions.CommandError as error:
                errors = [str(error)]
            else:
                messages.success(request, "已记录问责决定")
                return redirect("command:accountability")
    return render(
        request,
        "command/accountability.html",
        {
            "candidates": candidates.candidates(_campaign()),
            "records": AccountabilityRecord.objects.select_related("subject_unit", "case")[:100],
            "form": form,
            "errors": errors,
            "can_manage": can_manage,
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------------------------------------
# 矛盾纠纷排查


@login_required
@require_http_methods(["GET", "POST"])
def sweeps(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_record = has_capability(user, "cases.register")
    if request.method == "POST" and not may_record:
        raise PermissionDenied("您没有权限记录矛盾纠纷排查")
    form = SweepForm(
        request.POST if request.method == "POST" and may_record else None,
        user=user,
        initial={"swept_on": clock.today()},
    )
    errors: list[str] = []
    if request.method == "POST" and may_record:
        if not form.is_valid():
            errors = _errors(form)
        else:
            try:
                case_actions.record_sweep(user, **form.cleaned_data)
            except case_actions.CaseError as error:
                errors = [str(error)]
            else:
                messages.success(request, "已记录排查")
                return redirect("command:sweeps")
    rows = DisputeSweep.objects.visible_to(user).select_related("org_unit")
    return render(
        request,
        "command/sweeps.html",
        {
            "sweeps": Paginator(rows, 50).get_page(request.GET.get("page")),
            "mediations": Case.objects.visible_to(user)
            .filter(kind=Kind.MEDIATION)
            .select_related("unit")[:50],
            "form": form,
            "errors": errors,
            "may_record": may_record,
        },
        status=400 if errors else 200,
    )
