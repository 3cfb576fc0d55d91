"""API: the water ledger's import (the engine's routes) and each household's water verdict in
the caller's scope (HQ all, a town its villages, the water department all)."""

from __future__ import annotations

from django.http import Http404
from ninja import Router, Schema

from tuopin.ledger.api import add_routes
from tuopin.org.models import Level, OrgUnit
from tuopin.water import quality
from tuopin.water.ledger_app import APP
from tuopin.water.views import households_for, villages_for

router = Router(tags=["安全饮水"])
add_routes(router, APP)  # POST /import, GET /imports


class HouseholdWater(Schema):
    household_no: str
    registry_ok: bool
    tested: bool
    passed: bool | None
    reason: str


@router.get(
    "/villages/{code}/households",
    response=list[HouseholdWater],
    summary="某村建档立卡户的水质检测结论（最新入户检测优先，否则所在供水点检测）",
)
def village_households(request, code: str):
    village = OrgUnit.objects.filter(code=code, level=Level.VILLAGE).first()
    if village is None or not villages_for(request.user, "water").filter(pk=village.pk).exists():
        raise Http404("没有这个村或您无权查看")
    households = households_for(request.user, "water").filter(village=village)
    found = quality.verdicts(households)
    return [
        HouseholdWater(
            household_no=number,
            registry_ok=ok,
            tested=pk in found,
            passed=found[pk].passed if pk in found else None,
            reason=found[pk].reason if pk in found else "无检测报告",
        )
        for pk, number, ok in households.order_by("household_no").values_list(
            "pk", "household_no", "water_quality_ok"
        )
    ]
