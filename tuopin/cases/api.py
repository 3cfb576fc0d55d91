"""API of the case workflow: the same actions as the pages, the same Chinese refusals."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from tuopin.cases import actions, backlog
from tuopin.cases.backlog import overdue_q
from tuopin.cases.models import OPEN_STATES, Case, InspectionVisit
from tuopin.cases.views import user_scope
from tuopin.lib import clock
from tuopin.lib.bounds import Count, Day, Id, Moment, Offset, page_size
from tuopin.org import privacy
from tuopin.org.api import ErrorOut
from tuopin.org.models import OrgUnit, ResponsibleUnit

router = Router(tags=["问题台账"])


class EventOut(Schema):
    at: dt.datetime
    action: str
    action_name: str
    from_state: str
    to_state: str
    note: str
    actor: str | None
    source: str


class ClockOut(Schema):
    stage: str
    holder_code: str
    holder_unit: str | None
    started_at: dt.datetime
    limit_days: int | None
    working_days: bool
    deadline: dt.datetime | None
    paused_at: dt.datetime | None
    ended_at: dt.datetime | None
    breached_at: dt.datetime | None


class CaseOut(Schema):
    id: int
    number: str
    kind: str
    kind_name: str
    source: str
    title: str
    org_code: str
    org_name: str
    unit: str | None
    state: str
    state_name: str
    is_paused: bool
    registered_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    escalation_count: int
    round: int


class CaseDetailOut(CaseOut):
    content: str
    reporter_name: str
    reporter_phone: str
    subject: str
    resolution: str
    tracking_code: str | None
    available_actions: list[str]
    events: list[EventOut]
    clocks: list[ClockOut]


class RegisterIn(Schema):
    kind: str = Field(description="discipline / petition / inspection / rectification")
    source: str
    title: str = Field(max_length=200)
    content: str
    org_code: str = Field(max_length=15)
    reporter_name: str = ""
    reporter_phone: str = ""
    subject: str = ""


class CaseStepIn(Schema):
    note: str = ""
    unit_id: Id | None = None
    due_at: Moment | None = None


class FiguresOut(Schema):
    at: dt.datetime
    open: int
    overdue: int
    parked: int
    paused: int
    ageing: dict[str, int]


class VisitIn(Schema):
    org_code: str = Field(max_length=15)
    visited_on: Day
    inspectors: str = Field(max_length=200)
    is_unannounced: bool = False
    cadres_expected: Count = 0
    cadres_present: Count = 0
    files_checked: Count = 0
    files_ok: Count = 0
    progress_note: str = ""
    notes: str = ""
    milestone_ids: list[Id] = Field([], max_length=1000)


class VisitOut(Schema):
    id: int
    org_code: str
    visited_on: dt.date
    inspectors: str
    is_unannounced: bool
    cadres_expected: int
    cadres_present: int
    files_checked: int
    files_ok: int
    case_ids: list[int]


class FindingIn(Schema):
    title: str = Field(max_length=200)
    content: str
    unit_id: Id
    due_on: Day


def _case_out(case: Case) -> dict:
    return {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "kind_name": case.get_kind_display(),
        "source": case.source,
        "title": case.title,
        "org_code": case.org_code,
        "org_name": case.org_unit.name,
        "unit": case.unit.name if case.unit_id else None,
        "state": case.state,
        "state_name": case.get_state_display(),
        "is_paused": case.is_paused,
        "registered_at": case.registered_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "escalation_count": case.escalation_count,
        "round": case.round,
    }


def _detail(request, case: Case) -> dict:
    shown = (
        privacy.shown(request.user, case, what=f"接口：案件 {case.number} 反映人", via="api")
        if case.has_personal_data
        else privacy.MASKED
    )
    return {
        **_case_out(case),
        "content": case.content,
        "reporter_name": shown.name(case.reporter_name),
        "reporter_phone": shown.phone(case.reporter_phone),
        "subject": case.subject,
        "resolution": case.resolution,
        "tracking_code": shown.secret(case.tracking_code),
        "available_actions": actions.available_actions(request.user, case),
        "events": [
            {
                "at": e.at,
                "action": e.action,
                "action_name": e.action_label,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
                "actor": e.actor.display_name if e.actor_id else None,
                "source": e.source,
            }
            for e in case.events.select_related("actor")
        ],
        "clocks": [
            {
                "stage": c.stage,
                "holder_code": c.holder_code,
                "holder_unit": c.holder_unit.name if c.holder_unit_id else None,
                "started_at": c.started_at,
                "limit_days": c.limit_days,
                "working_days": c.working_days,
                "deadline": c.deadline,
                "paused_at": c.paused_at,
                "ended_at": c.ended_at,
                "breached_at": c.breached_at,
            }
            for c in case.clocks.select_related("holder_unit")
        ],
    }


def _visible_case(request, case_id: int) -> Case:
    return get_object_or_404(
        Case.objects.visible_to(request.user).select_related("unit", "org_unit"), pk=case_id
    )


@router.get("/", response=list[CaseOut], summary="台账列表")
def list_cases(
    request,
    kind: str | None = None,
    state: str | None = None,
    town: str | None = None,
    overdue: bool = False,
    limit: page_size(1000) = 200,
    offset: Offset = 0,
):
    cases = Case.objects.visible_to(request.user).select_related("unit", "org_unit")
    if kind:
        cases = cases.filter(kind=kind)
    if state == "open":
        cases = cases.filter(state__in=OPEN_STATES)
    elif state:
        cases = cases.filter(state=state)
    if town:
        cases = cases.filter(org_code__startswith=town)
    if overdue:
        cases = cases.filter(overdue_q(clock.now()))
    return [_case_out(case) for case in cases[offset : offset + limit]]


@router.post("/", response={201: CaseDetailOut, 400: ErrorOut}, summary="登记")
def register_case(request, payload: RegisterIn):
    org_unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), code=payload.org_code)
    try:
        case = actions.register_case(
            request.user,
            kind=payload.kind,
            source=payload.source,
            title=payload.title,
            content=payload.content,
            org_unit=org_unit,
            reporter_name=payload.reporter_name,
            reporter_phone=payload.reporter_phone,
            subject=payload.subject,
            origin="api",
        )
    except actions.CaseError as error:
        return Status(400, {"detail": str(error)})
    return Status(201, _detail(request, _visible_case(request, case.pk)))


@router.get("/backlog", response=FiguresOut, summary="积压情况（无积压、零暂存）")
def backlog_figures(request, at: Moment | None = None):
    figures = backlog.figures(user_scope(request.user), at)
    return {
        "at": figures.at,
        "open": figures.open,
        "overdue": figures.overdue,
        "parked": figures.parked,
        "paused": figures.paused,
        "ageing": figures.ageing,
    }


@router.get("/{int:case_id}", response=CaseDetailOut, summary="问题件详情")
def case_detail(request, case_id: Id):
    return _detail(request, _visible_case(request, case_id))


@router.post(
    "/{int:case_id}/actions/{name}",
    response={200: CaseDetailOut, 400: ErrorOut, 409: ErrorOut},
    summary="办理一步",
)
def case_action(request, case_id: Id, name: str, payload: CaseStepIn):
    """name: accept reject assign start return pause resume resolve verify close reopen comment."""
    case = _visible_case(request, case_id)
    user, note = request.user, payload.note
    try:
        if name == "accept":
            actions.accept_case(user, case, note=note, source="api")
        elif name == "reject":
            actions.reject_case(user, case, reason=note, source="api")
        elif name == "assign":
            if payload.unit_id is None:
                return Status(400, {"detail": "交办须指定责任单位（unit_id）"})
            unit = ResponsibleUnit.objects.filter(pk=payload.unit_id).first()
            if unit is None:
                return Status(400, {"detail": f"责任单位 {payload.unit_id} 不存在"})
            actions.assign_case(
                user, case, unit=unit, due_at=payload.due_at, note=note, source="api"
            )
        elif name == "start":
            actions.start_case(user, case, note=note, source="api")
        elif name == "return":
            actions.return_case(user, case, reason=note, source="api")
        elif name == "pause":
            actions.pause_case(user, case, reason=note, source="api")
        elif name == "resume":
            actions.resume_case(user, case, note=note, source="api")
        elif name == "resolve":
            actions.resolve_case(user, case, resolution=note, source="api")
        elif name == "verify":
            actions.verify_case(user, case, note=note, source="api")
        elif name == "close":
            actions.close_case(user, case, note=note, source="api")
        elif name == "reopen":
            actions.reopen_case(user, case, reason=note, source="api")
        elif name == "comment":
            actions.comment_case(user, case, note=note, source="api")
        else:
            return Status(400, {"detail": f"没有名为“{name}”的操作"})
    except actions.CaseConflict as error:
        # Out of order, or another request did this step first: nothing was written.
        return Status(409, {"detail": str(error)})
    except actions.CaseError as error:
        return Status(400, {"detail": str(error)})
    # Not re-filtered by visibility: a unit that returns a case no longer sees it, yet the step
    # it just did succeeded and the answer says so.
    done = Case.objects.select_related("unit", "org_unit").get(pk=case_id)
    return Status(200, _detail(request, done))


def _visit_out(visit: InspectionVisit, request) -> dict:
    return {
        "id": visit.pk,
        "org_code": visit.org_unit.code,
        "visited_on": visit.visited_on,
        "inspectors": visit.inspectors,
        "is_unannounced": visit.is_unannounced,
        "cadres_expected": visit.cadres_expected,
        "cadres_present": visit.cadres_present,
        "files_checked": visit.files_checked,
        "files_ok": visit.files_ok,
        "case_ids": list(visit.cases.visible_to(request.user).values_list("pk", flat=True)),
    }


@router.get("/inspections", response=list[VisitOut], summary="督查记录")
def list_visits(request):
    visits = InspectionVisit.objects.visible_to(request.user).select_related("org_unit")[:500]
    return [_visit_out(visit, request) for visit in visits]


@router.post("/inspections", response={201: VisitOut, 400: ErrorOut}, summary="记录督查")
def create_visit(request, payload: VisitIn):
    from tuopin.plan.models import Milestone

    org_unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), code=payload.org_code)
    milestones = list(Milestone.objects.filter(pk__in=payload.milestone_ids))
    if len(milestones) != len(set(payload.milestone_ids)):
        return Status(400, {"detail": "部分时间节点不存在，请核对 milestone_ids"})
    try:
        visit = actions.record_visit(
            request.user,
            org_unit=org_unit,
            visited_on=payload.visited_on,
            inspectors=payload.inspectors,
            is_unannounced=payload.is_unannounced,
            cadres_expected=payload.cadres_expected,
            cadres_present=payload.cadres_present,
            files_checked=payload.files_checked,
            files_ok=payload.files_ok,
            progress_note=payload.progress_note,
            notes=payload.notes,
            milestones=milestones,
        )
    except actions.CaseError as error:
        return Status(400, {"detail": str(error)})
    return Status(201, _visit_out(visit, request))


@router.post(
    "/inspections/{int:visit_id}/findings",
    response={201: CaseDetailOut, 400: ErrorOut},
    summary="登记督查发现的问题（生成整改件）",
)
def create_finding(request, visit_id: Id, payload: FindingIn):
    visit = get_object_or_404(InspectionVisit.objects.visible_to(request.user), pk=visit_id)
    unit = ResponsibleUnit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        return Status(400, {"detail": f"责任单位 {payload.unit_id} 不存在"})
    try:
        case = actions.record_finding(
            request.user,
            visit,
            title=payload.title,
            content=payload.content,
            unit=unit,
            due_on=payload.due_on,
            source="api",
        )
    except actions.CaseError as error:
        return Status(400, {"detail": str(error)})
    return Status(201, _detail(request, _visible_case(request, case.pk)))
