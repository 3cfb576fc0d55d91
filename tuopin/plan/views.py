"""Web pages of the campaign plan: overview, actions, timeline, my work, upload → review → load."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from tuopin.lib import clock, planparse
from tuopin.org import access, audit, privacy, uploads
from tuopin.org.models import AuditEvent, OrgUnit, Person, ResponsibleUnit
from tuopin.plan import actions as plan_actions
from tuopin.plan import indicators, progress, revision, timeline
from tuopin.plan.forms import (
    MAX_DOCUMENT_BYTES,
    ActionForm,
    CampaignForm,
    GoalForm,
    MilestoneForm,
    SplitForm,
    TargetsForm,
    UploadForm,
    apply_review_post,
    review_rows,
)
from tuopin.plan.models import Action, Campaign, Goal, Milestone, PlanDraft

MANAGE = "plan.manage"


# ------------------------------------------------------------------ helpers


def _campaign(request: HttpRequest, campaign_id: int | None = None) -> Campaign | None:
    visible = Campaign.objects.visible_to(request.user).select_related("county")
    if campaign_id is not None:
        return get_object_or_404(visible, pk=campaign_id)
    return visible.order_by("-is_active", "-issued_on", "-id").first()


def _action(request: HttpRequest, action_id: int) -> Action:
    visible = Campaign.objects.visible_to(request.user)
    return get_object_or_404(
        Action.objects.select_related("campaign", "campaign__county").filter(campaign__in=visible),
        pk=action_id,
    )


def _require_manage(request: HttpRequest, obj) -> None:
    if not access.can(request.user, MANAGE, obj):
        raise PermissionDenied("只有县脱贫办管理员可以修改作战计划")


def _may_manage(request: HttpRequest, obj) -> bool:
    return access.can(request.user, MANAGE, obj)


def _today_position(campaign: Campaign, today: dt.date) -> dict[str, Any]:
    phases = list(campaign.phases.all())
    current = next((p for p in phases if p.start <= today <= p.end), None)
    position: dict[str, Any] = {"today": today, "phase": current}
    if phases:
        start, end = phases[0].start, phases[-1].end
        total = (end - start).days + 1
        position.update(
            start=start,
            end=end,
            day=(today - start).days + 1,
            total=total,
            remaining=(end - today).days,
            percent=max(0, min(100, round(100 * ((today - start).days + 1) / total))),
        )
    return position


def _milestone_rows(milestones: list[Milestone], statuses: dict[int, progress.MilestoneStatus]):
    return [(milestone, statuses.get(milestone.pk)) for milestone in milestones]


# ------------------------------------------------------------------ reading pages


@login_required
def home(request: HttpRequest, campaign_id: int | None = None) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    if campaign is None:
        return render(
            request,
            "plan/empty.html",
            {"may_upload": access.has_capability(request.user, MANAGE)},
        )
    today = clock.today()
    statuses = progress.milestone_statuses(campaign)
    counts = progress.summarize(list(statuses.values())).counts
    phases = list(campaign.phases.all())
    bands = [timeline.Band(p.name, p.start, p.end) for p in phases]
    chart = timeline.render([], bands, today) if bands else ""
    upcoming_ids = [
        pk
        for pk, status in statuses.items()
        if status in ("on_track", "at_risk", "not_started", "overdue")
    ]
    upcoming = list(
        Milestone.objects.filter(pk__in=upcoming_ids)
        .select_related("action")
        .order_by("deadline", "action__number", "order")[:12]
    )
    return render(
        request,
        "plan/home.html",
        {
            "campaign": campaign,
            "goal_rows": indicators.goal_rows(campaign),
            "phases": phases,
            "chart": chart,
            "position": _today_position(campaign, today),
            "counts": counts,
            "upcoming": _milestone_rows(upcoming, statuses),
            "campaigns": Campaign.objects.visible_to(request.user).order_by("-issued_on", "-id"),
            "may_manage": _may_manage(request, campaign),
        },
    )


@login_required
def action_list(request: HttpRequest, campaign_id: int | None = None) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    if campaign is None:
        raise Http404("尚未导入作战计划")
    action_rows = list(campaign.actions.prefetch_related("leaders", "units").order_by("number"))
    statuses = progress.milestone_statuses(campaign)
    summary = progress.action_statuses(action_rows, statuses=statuses)
    return render(
        request,
        "plan/actions.html",
        {
            "campaign": campaign,
            "rows": [(action, summary[action.pk]) for action in action_rows],
            "may_manage": _may_manage(request, campaign),
        },
    )


@login_required
def action_page(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _action(request, action_id)
    milestones = list(action.milestones.order_by("deadline", "order"))
    statuses = progress.milestone_statuses(action.milestones.all())
    latest = _latest_by_unit(milestones)
    return render(
        request,
        "plan/action.html",
        {
            "campaign": action.campaign,
            "action": action,
            "leaders": action.leaders.all(),
            "units": action.units.all(),
            "rows": [(m, statuses.get(m.pk), latest.get(m.pk, [])) for m in milestones],
            "status": progress.summarize(list(statuses.values())),
            "may_manage": _may_manage(request, action.campaign),
            "history": _readable(audit.history(action)[:20]),
        },
    )


def _latest_by_unit(milestones: list[Milestone]) -> dict[int, list[tuple[str, Any, dt.datetime]]]:
    from tuopin.plan.models import Measurement

    latest: dict[int, dict[Any, tuple[str, Any, dt.datetime]]] = defaultdict(dict)
    for row in (
        Measurement.objects.filter(milestone__in=milestones, measured_at__lte=clock.now())
        .select_related("unit")
        .order_by("measured_at", "pk")
    ):
        name = row.unit.name if row.unit_id else "全县"
        latest[row.milestone_id][row.unit_id] = (name, row.value, row.measured_at)
    return {key: list(values.values()) for key, values in latest.items()}


@login_required
def timeline_page(request: HttpRequest, campaign_id: int | None = None) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    if campaign is None:
        raise Http404("尚未导入作战计划")
    today = clock.today()
    statuses = progress.milestone_statuses(campaign)
    status_filter = request.GET.get("status", "")
    phases = list(campaign.phases.all())
    # A milestone without its own start runs from the campaign's start.
    campaign_start = campaign.issued_on or min(
        (phase.start for phase in phases), default=clock.local(campaign.created_at).date()
    )
    action_url = reverse("plan:action", args=[0]).rsplit("0/", 1)[0]
    bars: dict[int, list[timeline.Bar]] = defaultdict(list)
    rows_data = progress.raw_rows(
        Milestone.objects.filter(action__campaign=campaign).order_by("deadline", "order"),
        ("id", "action_id", "deadline", "starts_on", "text", "phrase", "comparator"),
    )
    for pk, action_id, deadline, starts_on, text, phrase, comparator in rows_data:
        status = statuses.get(pk)
        code = str(status or "not_started")
        if status_filter and code != status_filter:
            continue
        if isinstance(starts_on, str):
            starts_on = dt.date.fromisoformat(starts_on[:10])
        bars[action_id].append(
            timeline.Bar(
                milestone_id=pk,
                label=timeline.short_text(text, phrase),
                text=text,
                start=starts_on or campaign_start,
                deadline=progress.local_date(deadline),
                status=code,
                status_label=progress.STATUS_LABELS[code],
                reason=status.reason if status is not None else "",
                done_share=_done_share(status, comparator),
                url=f"{action_url}{action_id}/",
            )
        )
    groups = [
        timeline.Group(f"（{number}）{title}", f"{action_url}{pk}/", bars[pk])
        for pk, number, title in campaign.actions.order_by("number").values_list(
            "pk", "number", "title"
        )
        if bars.get(pk)
    ]
    bands = [timeline.Band(p.name, p.start, p.end) for p in phases]
    counts = progress.summarize(list(statuses.values())).counts
    return render(
        request,
        "plan/timeline.html",
        {
            "campaign": campaign,
            "chart": timeline.render(groups, bands, today),
            "counts": counts,
            "shown": sum(len(group.bars) for group in groups),
            "status_filter": status_filter,
            "statuses": progress.STATUS_LABELS,
            "legend": [
                (progress.STATUS_LABELS[key], colour)
                for key, colour in timeline.STATUS_COLOURS.items()
            ],
        },
    )


def _done_share(status: progress.MilestoneStatus | None, comparator: str) -> float | None:
    """How much of an upward numeric target is reached (a ceiling target has no share)."""
    if status is None or comparator == "at_most" or not status.target:
        return None
    if status == "done":
        return 1.0
    if status.current is None:
        return 0.0
    return max(0.0, min(float(status.current / status.target), 1.0))


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.person_id is not None and user.person.led_actions.exists():
        return redirect("plan:leader_work", person_id=user.person_id)
    if user.unit_id is not None:
        return redirect("plan:unit_work", unit_id=user.unit_id)
    campaign = _campaign(request)
    units = ResponsibleUnit.objects.visible_to(user).filter(actions__campaign=campaign).distinct()
    leaders = Person.objects.filter(led_actions__campaign=campaign).distinct()
    return render(
        request,
        "plan/my_work_choose.html",
        {"campaign": campaign, "units": units, "leaders": leaders},
    )


@login_required
def unit_work(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(ResponsibleUnit.objects.visible_to(request.user), pk=unit_id)
    campaign = _campaign(request)
    action_rows = (
        Action.objects.filter(campaign=campaign, units=unit) if campaign else Action.objects.none()
    )
    return _work_page(request, campaign, action_rows, f"{unit.name}的任务")


@login_required
def leader_work(request: HttpRequest, person_id: int) -> HttpResponse:
    campaign = _campaign(request)
    person = get_object_or_404(Person, pk=person_id)
    if campaign is None or not campaign.actions.filter(leaders=person).exists():
        raise Http404("该领导在当前作战计划中没有包抓的行动")
    action_rows = Action.objects.filter(campaign=campaign, leaders=person)
    return _work_page(request, campaign, action_rows, f"{person.display_name}包抓的任务")


def _work_page(
    request: HttpRequest, campaign: Campaign | None, action_rows, heading: str
) -> HttpResponse:
    milestones = list(
        Milestone.objects.filter(action__in=action_rows)
        .select_related("action")
        .order_by("deadline", "order")
    )
    statuses = progress.milestone_statuses(Milestone.objects.filter(action__in=action_rows))
    today = clock.today()
    week_end = today + dt.timedelta(days=7 - today.isoweekday())
    groups: dict[str, list] = {"overdue": [], "this_week": [], "later": [], "done": []}
    for milestone in milestones:
        status = statuses.get(milestone.pk)
        if status == "done":
            groups["done"].append((milestone, status))
        elif status == "overdue":
            groups["overdue"].append((milestone, status))
        elif clock.local(milestone.deadline).date() <= week_end:
            groups["this_week"].append((milestone, status))
        else:
            groups["later"].append((milestone, status))
    return render(
        request,
        "plan/my_work.html",
        {
            "campaign": campaign,
            "heading": heading,
            "actions": list(action_rows.order_by("number")),
            "groups": [
                ("已逾期", groups["overdue"]),
                ("本周到期", groups["this_week"]),
                ("以后到期", groups["later"]),
                ("已完成", groups["done"]),
            ],
        },
    )


@login_required
def history(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    # Withdrawn actions and milestones keep their history.
    action_ids = [
        str(pk) for pk in Action.all_objects.filter(campaign=campaign).values_list("pk", flat=True)
    ]
    milestone_ids = [
        str(pk)
        for pk in Milestone.all_objects.filter(action__campaign=campaign).values_list(
            "pk", flat=True
        )
    ]
    from django.db.models import Q

    events = AuditEvent.objects.filter(
        Q(model="plan.campaign", object_id=str(campaign.pk))
        | Q(model="plan.action", object_id__in=action_ids)
        | Q(model="plan.milestone", object_id__in=milestone_ids)
    ).select_related("actor")[:200]
    return render(request, "plan/history.html", {"campaign": campaign, "events": _readable(events)})


def _readable(events) -> list[AuditEvent]:
    # Plans hold no personal fields; MASKED would mask any that appeared in a change.
    events = list(events)
    for event in events:
        event.readable = audit.readable_changes(event, privacy.MASKED)
    return events


# ------------------------------------------------------------------ upload, review, load


def _county_for(user) -> OrgUnit | None:
    if user.scope_id is not None:
        return OrgUnit.objects.filter(code=user.scope.code[:6]).first()
    if user.unit_id is not None:
        return OrgUnit.objects.filter(code=user.unit.org_unit.code[:6]).first()
    return None


@uploads.upload_limit(MAX_DOCUMENT_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    county = _county_for(request.user)
    if county is None or not access.can(request.user, MANAGE, county):
        raise PermissionDenied("只有县脱贫办管理员可以导入作战计划")
    form = UploadForm(request.POST or None, request.FILES or None)
    dropped = uploads.refusal(request, "document") if request.method == "POST" else None
    if dropped:
        # The file was too large to receive: say so instead of "please choose a file".
        form.is_valid()
        form.errors["document"] = form.error_class([dropped])
    elif request.method == "POST" and form.is_valid():
        document = form.cleaned_data["document"]
        try:
            draft = plan_actions.create_draft(
                document.name, document.read(), county, actor=request.user
            )
        except planparse.ParseError as error:
            form.add_error("document", str(error))
        else:
            return redirect("plan:review", draft_id=draft.pk)
    return render(request, "plan/upload.html", {"form": form}, status=400 if form.errors else 200)


def _draft(request: HttpRequest, draft_id: int) -> PlanDraft:
    draft = get_object_or_404(PlanDraft.objects.select_related("county", "revises"), pk=draft_id)
    if not access.in_scope(request.user, draft):
        raise Http404
    _require_manage(request, draft)
    return draft


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _draft(request, draft_id)
    if draft.campaign_id is not None:
        messages.info(request, "该方案已导入")
        return redirect("plan:campaign", campaign_id=draft.campaign_id)
    errors: list[str] = []
    status = 200
    revisable = Campaign.objects.visible_to(request.user).filter(county=draft.county)
    if request.method == "POST":
        parsed, errors = apply_review_post(draft.parsed, request.POST)
        revises = draft.revises
        if "revises" in request.POST:
            chosen = request.POST["revises"]
            revises = revisable.filter(pk=chosen).first() if chosen.isdigit() else None
            if chosen and revises is None:
                errors.append("所选的作战计划不存在，请重新选择导入方式")
        if not errors:
            plan_actions.save_draft_corrections(draft, parsed, revises=revises)
            if "confirm" in request.POST:
                try:
                    result = plan_actions.confirm_draft(
                        draft,
                        actor=request.user,
                        allow_unresolved=request.POST.get("allow_unresolved") == "1",
                    )
                except plan_actions.LoadRefused as refused:
                    errors = refused.errors
                else:
                    if result.diff is not None:
                        messages.success(
                            request,
                            f"已将“{result.campaign.title}”更新为第{result.campaign.revision}版："
                            + _diff_summary(result.diff),
                        )
                    else:
                        messages.success(
                            request,
                            f"已导入作战计划“{result.campaign.title}”：{result.campaign.actions.count()} 个专项行动",
                        )
                    return redirect("plan:campaign", campaign_id=result.campaign.pk)
            else:
                messages.success(request, "修改已保存，请继续核对后确认导入")
                return redirect("plan:review", draft_id=draft.pk)
        status = 400
    unresolved = _unresolved(draft)
    return render(
        request,
        "plan/review.html",
        {
            "draft": draft,
            "plan": draft.parsed,
            "rows": review_rows(draft.parsed),
            "source_lines": _source_lines(draft.source_text, draft.parsed.get("marks") or []),
            "errors": errors,
            "unresolved": unresolved,
            "revisable": revisable.order_by("-is_active", "-id"),
            "diff": _revision_diff(draft),
            "comparators": Milestone._meta.get_field("comparator").choices,
            "pers": Milestone._meta.get_field("per").choices,
        },
        status=status,
    )


def _revision_diff(draft: PlanDraft) -> revision.RevisionDiff | None:
    """The diff against the campaign the draft revises; None while the draft cannot load."""
    if draft.revises is None:
        return None
    resolved, errors, _ = plan_actions.check(draft.parsed, draft.county, allow_unresolved=True)
    if errors:
        return None
    return revision.compare(draft.revises, draft.parsed, resolved)


def _diff_summary(diff: revision.RevisionDiff) -> str:
    counts = diff.counts()
    parts = [
        f"{label}{kind_label}{counts[scope][kind]}个"
        for scope, label in (("actions", "专项行动"), ("milestones", "时间节点"))
        for kind, kind_label in (("added", "新增"), ("changed", "修改"), ("dropped", "撤销"))
        if counts[scope][kind]
    ]
    if counts["milestones"]["kept"]:
        parts.append(f"指挥部在系统中添加的时间节点保留{counts['milestones']['kept']}个")
    return "，".join(parts) or "没有变化"


def _unresolved(draft: PlanDraft) -> dict[int, list[str]]:
    found = {}
    for action in draft.parsed.get("actions") or []:
        missing = plan_actions.resolve_units(action.get("units") or [], draft.county).unresolved
        if missing:
            found[action.get("number")] = missing
    return found


def _source_lines(text: str, marks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each source line split into plain and highlighted pieces for the review page."""
    by_line: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for mark in marks:
        by_line[mark["line"]].append(mark)
    lines = []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        pieces = []
        position = 0
        for mark in sorted(by_line.get(number, []), key=lambda m: (m["start"], -m["end"])):
            start, end = max(mark["start"], position), mark["end"]
            if end <= start:
                continue
            if start > position:
                pieces.append(("", line[position:start]))
            pieces.append((mark["kind"], line[start:end]))
            position = end
        if position < len(line):
            pieces.append(("", line[position:]))
        lines.append({"number": number, "pieces": pieces})
    return lines


# ------------------------------------------------------------------ editing after loading


@login_required
@require_http_methods(["GET", "POST"])
def edit_campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    _require_manage(request, campaign)
    form = CampaignForm(request.POST or None, instance_values=campaign)
    if request.method == "POST" and form.is_valid():
        changes = plan_actions.update_campaign(campaign, form.cleaned_data, actor=request.user)
        messages.success(request, "已保存" if changes else "没有修改")
        return redirect("plan:campaign", campaign_id=campaign.pk)
    return render(
        request,
        "plan/edit.html",
        {"form": form, "campaign": campaign, "heading": "修改作战计划"},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_action(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _action(request, action_id)
    _require_manage(request, action.campaign)
    form = ActionForm(request.POST or None, instance_values=action)
    if request.method == "POST" and form.is_valid():
        try:
            plan_actions.update_action(action, actor=request.user, **form.cleaned_data)
        except plan_actions.LoadRefused as refused:
            form.add_error("units_text", refused.errors[0])
        else:
            messages.success(request, "已保存")
            return redirect("plan:action", action_id=action.pk)
    return render(
        request,
        "plan/edit.html",
        {"form": form, "campaign": action.campaign, "action": action, "heading": f"修改{action}"},
        status=400 if form.errors else 200,
    )


def _milestone(request: HttpRequest, milestone_id: int) -> Milestone:
    visible = Campaign.objects.visible_to(request.user)
    return get_object_or_404(
        Milestone.objects.select_related(
            "action", "action__campaign", "action__campaign__county"
        ).filter(action__campaign__in=visible),
        pk=milestone_id,
    )


def _form_page(request, form, campaign, action, heading, preview_text="", **extra):
    return render(
        request,
        "plan/edit.html",
        {
            "form": form,
            "campaign": campaign,
            "action": action,
            "heading": heading,
            "preview": preview_text,
            **extra,
        },
        status=400 if form.errors else 200,
    )


def _preview(request, campaign) -> str:
    key = request.POST.get("metric_key", "")
    if not key:
        return "请先选择度量指标，再预览其当前值"
    return indicators.preview(key, campaign.county, clock.today()) or "没有这个指标"


@login_required
@require_http_methods(["GET", "POST"])
def edit_milestone(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = _milestone(request, milestone_id)
    campaign = milestone.action.campaign
    _require_manage(request, campaign)
    form = MilestoneForm(
        request.POST or None,
        instance_values=milestone,
        metric_choices=indicators.metric_choices(campaign.county),
    )
    heading = f"修改时间节点：{milestone}"
    if request.method == "POST" and request.POST.get("preview"):
        shown = _preview(request, campaign)
        return _form_page(
            request, form, campaign, milestone.action, heading, shown, can_preview=True
        )
    if request.method == "POST" and form.is_valid():
        plan_actions.update_milestone(milestone, form.values(), actor=request.user)
        messages.success(request, "已保存")
        return redirect("plan:action", action_id=milestone.action_id)
    return _form_page(request, form, campaign, milestone.action, heading, can_preview=True)


@login_required
@require_http_methods(["GET", "POST"])
def add_milestone(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _action(request, action_id)
    campaign = action.campaign
    _require_manage(request, campaign)
    blank = Milestone(action=action, per="total", metric_source="reported")
    form = MilestoneForm(
        request.POST or None,
        instance_values=blank,
        metric_choices=indicators.metric_choices(campaign.county),
    )
    heading = f"为{action}新增时间节点"
    if request.method == "POST" and request.POST.get("preview"):
        shown = _preview(request, campaign)
        return _form_page(request, form, campaign, action, heading, shown, can_preview=True)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            indicators.add_milestone(action, values, actor=request.user)
        except indicators.BindingRefused as refused:
            for error in refused.errors:
                form.add_error("metric_key", error)
        else:
            messages.success(request, "已新增时间节点；下一期周报起责任单位即可填报")
            return redirect("plan:action", action_id=action.pk)
    return _form_page(request, form, campaign, action, heading, can_preview=True)


@login_required
@require_http_methods(["GET", "POST"])
def split_milestone(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = _milestone(request, milestone_id)
    campaign = milestone.action.campaign
    _require_manage(request, campaign)
    form = SplitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            parts = indicators.split_milestone(
                milestone,
                [{"text": text} for text in form.cleaned_data["parts"]],
                actor=request.user,
            )
        except indicators.BindingRefused as refused:
            form.add_error("parts", refused.errors[0])
        else:
            messages.success(request, f"已拆分为 {len(parts)} 个时间节点，可逐个修改目标并绑定指标")
            return redirect("plan:action", action_id=milestone.action_id)
    heading = f"拆分时间节点：{milestone.text[:40]}"
    return _form_page(request, form, campaign, milestone.action, heading)


@login_required
@require_http_methods(["GET", "POST"])
def milestone_targets(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = _milestone(request, milestone_id)
    campaign = milestone.action.campaign
    _require_manage(request, campaign)
    units = list(
        milestone.action.units.select_related("org_unit").order_by("kind", "org_unit__code", "name")
    )
    current = {}
    for target in milestone.targets.all():
        for unit in units:
            if target.unit_id == unit.pk or (
                unit.kind == "town" and target.area_id == unit.org_unit_id
            ):
                current[unit.pk] = target.value
    form = TargetsForm(request.POST or None, units=units, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            indicators.set_targets(milestone, form.targets(), actor=request.user)
        except indicators.BindingRefused as refused:
            for error in refused.errors:
                form.add_error(None, error)
        else:
            messages.success(request, "已保存分解目标")
            return redirect("plan:action", action_id=milestone.action_id)
    if milestone.target_value is not None and milestone.target_unit != "%":
        intro = (
            f"总目标 {milestone.target_value.normalize():f}{milestone.target_unit}，"
            "各单位目标合计须与总目标相等"
        )
    else:
        intro = "各单位分别填写目标值"
    heading = f"分解目标：{milestone.text[:40]}"
    return _form_page(request, form, campaign, milestone.action, heading, intro=intro)


@login_required
@require_http_methods(["GET", "POST"])
def edit_goal(request: HttpRequest, goal_id: int) -> HttpResponse:
    visible = Campaign.objects.visible_to(request.user)
    goal = get_object_or_404(
        Goal.objects.select_related("campaign", "campaign__county").filter(campaign__in=visible),
        pk=goal_id,
    )
    campaign = goal.campaign
    _require_manage(request, campaign)
    form = GoalForm(
        request.POST or None, goal=goal, metric_choices=indicators.metric_choices(campaign.county)
    )
    heading = f"目标任务绑定指标：{goal.text[:40]}"
    if request.method == "POST" and request.POST.get("preview"):
        shown = _preview(request, campaign)
        return _form_page(request, form, campaign, None, heading, shown, can_preview=True)
    if request.method == "POST" and form.is_valid():
        try:
            indicators.bind_goal(goal, form.cleaned_data["metric_key"], actor=request.user)
        except indicators.BindingRefused as refused:
            for error in refused.errors:
                form.add_error("metric_key", error)
        else:
            messages.success(request, "已保存")
            return redirect("plan:campaign", campaign_id=campaign.pk)
    return _form_page(request, form, campaign, None, heading, can_preview=True)
