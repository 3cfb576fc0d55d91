"""API: the village teams in the caller's scope (phones masked through org.privacy as on the
pages), checklist inspections with their results and cases, and the roster workbook import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Router, Schema

from tuopin.ledger.api import add_routes
from tuopin.lib.bounds import Day, Offset, page_size
from tuopin.org import privacy
from tuopin.villages.ledger_app import APP
from tuopin.villages.models import ChecklistInspection, TeamMember

router = Router(tags=["驻村队伍与村级检查"])
MAX_LIMIT = 500
add_routes(router, APP)  # POST /import, GET /imports: the ledger engine's


class MemberOut(Schema):
    id: int
    village_code: str
    village_name: str
    team: str
    team_label: str
    name: str
    unit: str
    role: str
    phone: str
    started_on: dt.date
    ended_on: dt.date | None


class MemberPage(Schema):
    total: int
    items: list[MemberOut]


@router.get("/members", response=MemberPage, summary="队伍成员（手机号按权限脱敏）")
def members(
    request,
    village: str = "",
    on: Day | None = None,
    offset: Offset = 0,
    limit: page_size(MAX_LIMIT) = 100,
):
    found = TeamMember.objects.visible_to(request.user).select_related("village")
    if village:
        found = found.filter(village__code=village)
    if on is not None:
        found = found.in_post(on)
    total = found.count()
    rows = list(found.order_by("village__code", "team", "pk")[offset : offset + limit])
    items = []
    with privacy.output(request.user, what="驻村队伍成员", via="api") as shown:
        for member in rows:
            items.append(
                MemberOut(
                    id=member.pk,
                    village_code=member.village.code,
                    village_name=member.village.name,
                    team=member.team,
                    team_label=member.get_team_display(),
                    name=member.name,
                    unit=member.unit,
                    role=member.role,
                    phone=shown.of(member).phone(member.phone),
                    started_on=member.started_on,
                    ended_on=member.ended_on,
                )
            )
    return {"total": total, "items": items}


class ResultOut(Schema):
    order: int
    item: str
    passed: bool
    score: Decimal | None
    note: str
    case_number: str | None


class InspectionOut(Schema):
    id: int
    checklist: str
    checklist_name: str
    version: int
    place_code: str
    place_name: str
    inspected_on: dt.date
    score: Decimal
    passed: bool
    county_model: bool
    results: list[ResultOut]


@router.get(
    "/inspections", response=list[InspectionOut], summary="清单检查结果（含不合格项的整改件）"
)
def inspections(
    request,
    checklist: str = "",
    place: str = "",
    offset: Offset = 0,
    limit: page_size(MAX_LIMIT) = 100,
):
    found = ChecklistInspection.objects.visible_to(request.user).select_related(
        "template", "org_unit"
    )
    if checklist:
        found = found.filter(template__key=checklist)
    if place:
        found = found.filter(org_unit__code__startswith=place)
    rows = found.prefetch_related("results__item", "results__case")[offset : offset + limit]
    return [
        InspectionOut(
            id=row.pk,
            checklist=row.template.key,
            checklist_name=row.template.name,
            version=row.template.version,
            place_code=row.org_unit.code,
            place_name=row.org_unit.name,
            inspected_on=row.inspected_on,
            score=row.score,
            passed=row.passed,
            county_model=row.county_model,
            results=[
                ResultOut(
                    order=r.item.order,
                    item=r.item.text,
                    passed=r.passed,
                    score=r.score,
                    note=r.note,
                    case_number=r.case.number if r.case_id else None,
                )
                for r in sorted(row.results.all(), key=lambda r: r.item.order)
            ],
        )
        for row in rows
    ]
