"""API: the weekly report workflow — my periods, the form, save, submit, sign, receive, return.

Every change carries the ``revision`` the caller last saw; a stale one gets 409 and nothing is
written. Errors are ``{"detail": "…", "errors": [{"field": "…", "message": "…"}]}`` in Chinese.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.responses import Status
from ninja.security import SessionAuth

from tuopin.lib import clock
from tuopin.lib.bounds import Id, Natural
from tuopin.org.access import is_county_wide
from tuopin.org.api import ErrorOut, TokenAuth
from tuopin.org.models import ResponsibleUnit
from tuopin.reports import actions, reminders, timeliness
from tuopin.reports import payload as content
from tuopin.reports.models import Period, Report

# The token is tried first: with the project-wide order (session first) a token client's
# PUT/POST fails the session's CSRF check before the token is ever looked at.
router = Router(tags=["周报"], auth=[TokenAuth(), SessionAuth()])


class MyReportOut(Schema):
    id: int
    status: str
    status_name: str
    timeliness: str
    timeliness_name: str
    deadline: dt.datetime


class PeriodOut(Schema):
    id: int
    campaign_id: int
    campaign: str
    number: int
    opens_at: dt.datetime
    deadline: dt.datetime
    closes_at: dt.datetime
    state: str = Field(description="upcoming / open / overdue（已截止可补报）/ closed")
    my_report: MyReportOut | None


class ReportMilestoneOut(Schema):
    milestone: int
    text: str
    deadline: dt.datetime
    target_value: Decimal | None
    target_unit: str
    value: str | None
    previous_value: str | None
    status: str
    computed: str = ""
    explanation: str = ""


class ReportActionOut(Schema):
    action: int
    number: int
    title: str
    progress: str
    problems: str
    suggestions: str
    milestones: list[ReportMilestoneOut]


class StateOut(Schema):
    id: int
    period_id: int
    unit: str
    status: str
    timeliness: str
    deadline: dt.datetime
    closes_at: dt.datetime
    revision: int = Field(description="下次修改时原样带回，用于防止覆盖他人修改")
    version: int | None
    version_status: str | None
    content_hash: str | None
    signed_by: str | None
    signed_at: dt.datetime | None
    first_signed_at: dt.datetime | None
    changed_after_signing: bool
    return_reason: str | None


class FormOut(StateOut):
    actions: list[ReportActionOut]


class ReportMilestoneIn(Schema):
    milestone: Id
    value: Decimal | str | None = None
    status: str = "not_started"
    explanation: str = ""


class ReportActionIn(Schema):
    action: Id
    progress: str = ""
    problems: str = ""
    suggestions: str = ""
    milestones: list[ReportMilestoneIn] = []


class SaveIn(Schema):
    revision: Natural
    actions: list[ReportActionIn]


class RevisionIn(Schema):
    revision: Natural


class ReturnIn(Schema):
    revision: Natural
    reason: str


class LateOut(Schema):
    unit: str
    signed_at: dt.datetime


class TimelinessOut(Schema):
    on_time: list[str]
    late: list[LateOut]
    missing: list[str]
    overdue: list[str]
    pending: list[str]
    exempt: list[str]
    changed_after_signing: list[str]
    unsigned: list[str] = Field(description="尚未签字：应报未免报、还没有签字版本的全部单位")


class ChaseIn(Schema):
    unit: int | None = Field(None, description="责任单位 id；不填则催报全部尚未签字的单位")


class ChaseOut(Schema):
    chased: list[str]
    recently_chased: list[str] = Field(description="刚催报过、本次跳过的单位")
    unreachable: list[str] = Field(description="没有可接收提醒账号的单位")


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _report(request, pk: int) -> Report:
    return get_object_or_404(
        Report.objects.visible_to(request.user).select_related("period", "unit", "current_version"),
        pk=pk,
    )


def _own(user, report: Report) -> bool:
    return user.is_superuser or (user.unit_id is not None and user.unit_id == report.unit_id)


def _shown_version(user, report: Report):
    version = report.current_version
    if version is not None and not version.is_signed and not _own(user, report):
        version = content.last_signed_version(report)
    return version


def _state(user, report: Report) -> dict:
    version = _shown_version(user, report)
    return {
        "id": report.pk,
        "period_id": report.period_id,
        "unit": report.unit.name,
        "status": report.status,
        "timeliness": report.timeliness,
        "deadline": report.deadline,
        "closes_at": report.closes_at,
        "revision": report.revision,
        "version": version.number if version else None,
        "version_status": version.status if version else None,
        "content_hash": (version.content_hash or None) if version else None,
        "signed_by": version.signed_by.display_name if version and version.signed_by else None,
        "signed_at": version.signed_at if version else None,
        "first_signed_at": report.first_signed_at,
        "changed_after_signing": report.changed_after_signing,
        "return_reason": (version.return_reason or None) if version else None,
    }


def _form(user, report: Report) -> dict:
    version = _shown_version(user, report)
    if version is not None:
        data = version.payload
    elif _own(user, report):
        data = content.carried_over(report)
    else:
        data = {}
    return {
        **_state(user, report),
        "actions": [
            {
                "action": section.action.pk,
                "number": section.action.number,
                "title": section.action.title,
                "progress": section.progress,
                "problems": section.problems,
                "suggestions": section.suggestions,
                "milestones": [
                    {
                        "milestone": row.milestone.pk,
                        "text": row.milestone.text,
                        "deadline": row.milestone.deadline,
                        "target_value": row.milestone.target_value,
                        "target_unit": row.milestone.target_unit,
                        "value": row.value,
                        "previous_value": row.previous_value,
                        "computed": row.computed_text,
                        "explanation": row.explanation,
                        "status": row.status,
                    }
                    for row in section.milestones
                ],
            }
            for section in content.sections(report, data)
        ],
    }


def _run(request, pk: int, change, answer=_state):
    # Only the visibility check and the period: the action re-reads the row under its lock.
    report = get_object_or_404(
        Report.objects.visible_to(request.user).select_related("period"), pk=pk
    )
    with content.memo():
        try:
            version = change(report)
        except actions.ReportError as error:
            return Status(error.status, {"detail": error.message, "errors": error.errors})
        # The action's locked row carries the new state; no need to read it again.
        return Status(200, answer(request.user, version.report))


@router.get("/periods", response=list[PeriodOut], summary="我的填报周期")
def list_periods(request):
    user = request.user
    now = clock.now()
    mine = {}
    if user.unit_id:
        mine = {r.period_id: r for r in Report.objects.filter(unit_id=user.unit_id)}
    periods = Period.objects.visible_to(user).select_related("campaign").order_by("-deadline")[:60]
    result = []
    for period in periods:
        report = mine.get(period.pk)
        result.append(
            {
                "id": period.pk,
                "campaign_id": period.campaign_id,
                "campaign": period.campaign.title,
                "number": period.number,
                "opens_at": period.opens_at,
                "deadline": period.deadline,
                "closes_at": period.closes_at,
                "state": period.state(now),
                "my_report": {
                    "id": report.pk,
                    "status": report.status,
                    "status_name": report.get_status_display(),
                    "timeliness": report.timeliness,
                    "timeliness_name": report.get_timeliness_display(),
                    "deadline": report.deadline,
                }
                if report
                else None,
            }
        )
    return result


@router.get(
    "/periods/{period_id}/form",
    response={200: FormOut, 404: ErrorOut},
    summary="本单位本周期的填报表单",
)
def period_form(request, period_id: Id, unit: Id | None = None):
    unit_id = unit or request.user.unit_id
    report = get_object_or_404(
        Report.objects.visible_to(request.user).select_related("period", "unit", "current_version"),
        period_id=period_id,
        unit_id=unit_id,
    )
    with content.memo():
        return Status(200, _form(request.user, report))


@router.get(
    "/periods/{period_id}/timeliness",
    response={200: TimelinessOut, 403: ErrorOut, 404: ErrorOut},
    summary="本周期按时、迟报、漏报单位",
)
def period_timeliness(request, period_id: Id):
    period = get_object_or_404(Period.objects.visible_to(request.user), pk=period_id)
    if not is_county_wide(request.user):
        return Status(403, {"detail": "签报情况仅对县级用户开放"})
    result = timeliness.period_timeliness(period)
    return Status(
        200,
        {
            "late": [{"unit": unit.name, "signed_at": at} for unit, at in result["late"]],
            **{
                key: [unit.name for unit in units] for key, units in result.items() if key != "late"
            },
            "unsigned": [unit.name for unit in timeliness.unsigned_units(period)],
        },
    )


@router.post(
    "/periods/{period_id}/chase",
    response={200: ChaseOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="催报（一个单位或全部尚未签字单位）",
)
def chase(request, period_id: int, payload: ChaseIn):
    period = get_object_or_404(Period.objects.visible_to(request.user), pk=period_id)
    unit = None
    if payload.unit is not None:
        unit = get_object_or_404(ResponsibleUnit, pk=payload.unit)
    try:
        result = reminders.chase(period, unit, actor=request.user, source="api")
    except reminders.ChaseRefused as error:
        return Status(409, {"detail": str(error)})
    return Status(
        200,
        {
            "chased": [chased.name for chased in result.chased],
            "recently_chased": [chased.name for chased, _at in result.recently],
            "unreachable": [chased.name for chased in result.unreachable],
        },
    )


@router.get("/reports/{report_id}", response={200: FormOut, 404: ErrorOut}, summary="周报内容")
def get_report(request, report_id: Id):
    with content.memo():
        return Status(200, _form(request.user, _report(request, report_id)))


@router.put("/reports/{report_id}", response={200: FormOut, **ERRORS}, summary="保存草稿")
def save(request, report_id: Id, payload: SaveIn):
    data = payload.model_dump()
    for entry in data["actions"]:
        for row in entry["milestones"]:
            if isinstance(row["value"], Decimal):
                row["value"] = str(row["value"])
    return _run(
        request,
        report_id,
        lambda r: actions.save_report(
            request.user, r, data, revision=payload.revision, source="api"
        ),
        answer=_form,
    )


@router.post("/reports/{report_id}/submit", response={200: StateOut, **ERRORS}, summary="提交签字")
def submit(request, report_id: Id, payload: RevisionIn):
    return _run(
        request,
        report_id,
        lambda r: actions.submit_report(request.user, r, revision=payload.revision, source="api"),
    )


@router.post(
    "/reports/{report_id}/sign", response={200: StateOut, **ERRORS}, summary="主要领导签字"
)
def sign(request, report_id: Id, payload: RevisionIn):
    return _run(
        request,
        report_id,
        lambda r: actions.sign_report(request.user, r, revision=payload.revision, source="api"),
    )


@router.post(
    "/reports/{report_id}/receive", response={200: StateOut, **ERRORS}, summary="县脱贫办接收"
)
def receive(request, report_id: Id, payload: RevisionIn):
    return _run(
        request,
        report_id,
        lambda r: actions.receive_report(request.user, r, revision=payload.revision, source="api"),
    )


@router.post("/reports/{report_id}/return", response={200: StateOut, **ERRORS}, summary="退回")
def return_(request, report_id: Id, payload: ReturnIn):
    return _run(
        request,
        report_id,
        lambda r: actions.return_report(
            request.user, r, revision=payload.revision, reason=payload.reason, source="api"
        ),
    )


@router.post(
    "/reports/{report_id}/revise", response={200: StateOut, **ERRORS}, summary="更正（生成新版本）"
)
def revise(request, report_id: Id, payload: RevisionIn):
    return _run(
        request,
        report_id,
        lambda r: actions.revise_report(request.user, r, revision=payload.revision, source="api"),
    )
