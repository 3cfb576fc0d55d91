"""API: the bulletin archive, one issue's frozen snapshot; composing, publishing, deleting drafts."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from tuopin.bulletin import actions
from tuopin.bulletin.compose import compose
from tuopin.bulletin.models import Bulletin, county_codes_of
from tuopin.bulletin.weeks import WeekError
from tuopin.lib.bounds import Id
from tuopin.org.access import require
from tuopin.org.api import ErrorOut
from tuopin.plan.models import Campaign

router = Router(tags=["周通报"])


class BulletinOut(Schema):
    id: int
    campaign: int
    week: str
    status: str
    number: int | None
    version: int
    number_label: str
    title: str
    content_hash: str
    published_at: str | None
    replaces: int | None
    correction_reason: str


class BulletinDetailOut(BulletinOut):
    snapshot: dict[str, Any]


class WeekIn(Schema):
    campaign: Id
    week: str = Field(max_length=20)


def _out(bulletin: Bulletin) -> dict[str, Any]:
    return {
        "id": bulletin.pk,
        "campaign": bulletin.campaign_id,
        "week": bulletin.week,
        "status": bulletin.status,
        "number": bulletin.number,
        "version": bulletin.version,
        "number_label": bulletin.number_label,
        "title": bulletin.title,
        "content_hash": bulletin.content_hash,
        "published_at": bulletin.published_at.isoformat() if bulletin.published_at else None,
        "replaces": bulletin.replaces_id,
        "correction_reason": bulletin.correction_reason,
    }


def _campaign(request, pk: int) -> Campaign:
    campaigns = Campaign.objects.all()
    if not request.user.is_superuser:
        campaigns = campaigns.filter(county__code__in=county_codes_of(request.user))
    return get_object_or_404(campaigns, pk=pk)


@router.get("/", response=list[BulletinOut], summary="周通报列表（已发布；县脱贫办另含草稿）")
def list_bulletins(request):
    rows = (
        Bulletin.objects.visible_to(request.user)
        .defer("docx", "snapshot")
        .order_by("-week", "-version", "-id")
    )
    return [_out(bulletin) for bulletin in rows]


@router.get("/{int:pk}", response=BulletinDetailOut, summary="一期通报（冻结的快照）")
def get_bulletin(request, pk: Id):
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user), pk=pk)
    return {**_out(bulletin), "snapshot": bulletin.snapshot}


@router.post(
    "/compose", response={200: dict[str, Any], 400: ErrorOut}, summary="用最新数据生成（不保存）"
)
def compose_week(request, payload: WeekIn):
    campaign = _campaign(request, payload.campaign)
    require(request.user, "bulletin.publish", campaign)
    try:
        return Status(200, compose(campaign, payload.week))
    except WeekError as error:
        return Status(400, {"detail": str(error)})


@router.post(
    "/publish", response={201: BulletinOut, 400: ErrorOut, 409: ErrorOut}, summary="发布某周通报"
)
def publish_week(request, payload: WeekIn):
    campaign = _campaign(request, payload.campaign)
    try:
        bulletin = actions.publish_bulletin(
            campaign, payload.week, actor=request.user, source="api"
        )
    except WeekError as error:
        return Status(400, {"detail": str(error)})
    except actions.BulletinError as error:
        return Status(409, {"detail": str(error)})
    return Status(201, _out(bulletin))


@router.delete(
    "/{int:pk}", response={204: None, 409: ErrorOut}, summary="删除草稿（已发布的通报不能删除）"
)
def delete_draft(request, pk: int):
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user), pk=pk)
    try:
        actions.delete_draft(bulletin, actor=request.user, source="api")
    except actions.BulletinError as error:
        return Status(409, {"detail": str(error)})
    return Status(204, None)
