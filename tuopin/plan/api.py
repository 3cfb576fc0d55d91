"""API: campaigns, actions and milestones with their statuses; parse a plan document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from tuopin.lib import clock, filekinds, planparse
from tuopin.lib.bounds import Day, Id
from tuopin.org import access, uploads
from tuopin.plan import progress
from tuopin.plan.forms import MAX_DOCUMENT_BYTES
from tuopin.plan.models import Action, Campaign, Milestone

router = Router(tags=["作战计划"])


class PhaseOut(Schema):
    name: str
    start: dt.date
    end: dt.date


class GoalOut(Schema):
    text: str
    value: float | None
    unit: str


class CampaignOut(Schema):
    id: int
    title: str
    issuer: str
    issued_on: dt.date | None
    county_code: str
    is_active: bool
    revision: int
    reporting: dict[str, Any]
    goals: list[GoalOut]
    phases: list[PhaseOut]
    counts: dict[str, int]


class StatusOut(Schema):
    status: str
    label: str
    current: float | None
    target: float | None
    predicted: str | None
    reason: str
    units_met: int
    units_total: int


class MilestoneOut(Schema):
    id: int
    action_id: int
    action_number: int
    deadline: dt.datetime
    text: str
    target_value: float | None
    target_unit: str
    comparator: str
    per: str
    metric_key: str
    metric_source: str
    status: StatusOut | None


class ActionOut(Schema):
    id: int
    number: int
    title: str
    leaders: list[str]
    leaders_text: str
    units: list[str]
    units_text: str
    status: str
    counts: dict[str, int]


def _visible(request):
    return Campaign.objects.visible_to(request.user).select_related("county")


def _campaign_out(
    campaign: Campaign, statuses: dict[int, progress.MilestoneStatus]
) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "title": campaign.title,
        "issuer": campaign.issuer,
        "issued_on": campaign.issued_on,
        "county_code": campaign.county.code,
        "is_active": campaign.is_active,
        "revision": campaign.revision,
        "reporting": {
            "weekday": campaign.reporting_weekday,
            "time": campaign.reporting_time.strftime("%H:%M")
            if isinstance(campaign.reporting_time, dt.time)
            else str(campaign.reporting_time)[:5],
            "sign_off": campaign.reporting_sign_off,
        },
        "goals": [
            {
                "text": g.text,
                "value": float(g.value) if g.value is not None else None,
                "unit": g.unit,
            }
            for g in campaign.goals.all()
        ],
        "phases": [{"name": p.name, "start": p.start, "end": p.end} for p in campaign.phases.all()],
        "counts": progress.summarize(list(statuses.values())).counts,
    }


@router.get("/campaigns", response=list[CampaignOut], summary="作战计划列表")
def campaigns(request):
    result = []
    for campaign in _visible(request).order_by("-is_active", "-issued_on", "-id"):
        result.append(_campaign_out(campaign, progress.milestone_statuses(campaign)))
    return result


@router.get("/campaigns/{campaign_id}", response=CampaignOut, summary="作战计划详情")
def campaign_detail(request, campaign_id: Id):
    campaign = get_object_or_404(_visible(request), pk=campaign_id)
    return _campaign_out(campaign, progress.milestone_statuses(campaign))


@router.get("/campaigns/{campaign_id}/actions", response=list[ActionOut], summary="专项行动及状态")
def campaign_actions(request, campaign_id: Id, on: Day | None = None):
    campaign = get_object_or_404(_visible(request), pk=campaign_id)
    rows = list(campaign.actions.prefetch_related("leaders", "units").order_by("number"))
    summary = progress.action_statuses(rows, on)
    return [
        {
            "id": action.pk,
            "number": action.number,
            "title": action.title,
            "leaders": [p.display_name for p in action.leaders.all()],
            "leaders_text": action.leaders_text,
            "units": [u.name for u in action.units.all()],
            "units_text": action.units_text,
            "status": str(summary[action.pk]),
            "counts": summary[action.pk].counts,
        }
        for action in rows
    ]


@router.get(
    "/campaigns/{campaign_id}/milestones",
    response=list[MilestoneOut],
    summary="时间节点及状态、预测",
)
def campaign_milestones(request, campaign_id: Id, on: Day | None = None, status: str | None = None):
    campaign = get_object_or_404(_visible(request), pk=campaign_id)
    statuses = progress.milestone_statuses(campaign, on)
    rows = (
        Milestone.objects.filter(action__campaign=campaign)
        .select_related("action")
        .order_by("deadline", "order")
    )
    result = []
    for milestone in rows:
        found = statuses.get(milestone.pk)
        if status and found != status:
            continue
        result.append(_milestone_out(milestone, found))
    return result


@router.get("/actions/{action_id}", response=ActionOut, summary="专项行动详情")
def action_detail(request, action_id: Id):
    action = get_object_or_404(Action.objects.filter(campaign__in=_visible(request)), pk=action_id)
    summary = progress.action_status(action)
    return {
        "id": action.pk,
        "number": action.number,
        "title": action.title,
        "leaders": [p.display_name for p in action.leaders.all()],
        "leaders_text": action.leaders_text,
        "units": [u.name for u in action.units.all()],
        "units_text": action.units_text,
        "status": str(summary),
        "counts": summary.counts,
    }


def _milestone_out(milestone: Milestone, status: progress.MilestoneStatus | None) -> dict[str, Any]:
    return {
        "id": milestone.pk,
        "action_id": milestone.action_id,
        "action_number": milestone.action.number,
        "deadline": clock.local(milestone.deadline),
        "text": milestone.text,
        "target_value": float(milestone.target_value)
        if milestone.target_value is not None
        else None,
        "target_unit": milestone.target_unit,
        "comparator": milestone.comparator,
        "per": milestone.per,
        "metric_key": milestone.metric_key,
        "metric_source": milestone.metric_source,
        "status": status.as_dict() if status is not None else None,
    }


@router.post("/parse", summary="解析工作方案（上传 .txt/.docx，返回识别结果，不保存）")
def parse(request, document: UploadedFile | None = File(None)):  # noqa: B008 - django-ninja idiom
    if not access.has_capability(request.user, "plan.manage"):
        raise HttpError(403, "只有县脱贫办管理员可以解析导入工作方案")
    try:
        document = uploads.received_file(request, "document", kinds=filekinds.DOCUMENTS)
    except uploads.UploadRefused as error:
        raise HttpError(422, str(error)) from None
    if document is None:
        raise HttpError(422, "请上传工作方案文件（字段 document，.txt 或 .docx）")
    if document.size > MAX_DOCUMENT_BYTES:
        raise HttpError(422, "文件过大：工作方案文件不应超过 20 MB")
    try:
        return planparse.parse_document(document.name or "plan.txt", document.read())
    except planparse.ParseError as error:
        raise HttpError(422, str(error)) from None
