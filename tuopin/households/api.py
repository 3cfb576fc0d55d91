"""API: the household files in the caller's scope — one household's 帮扶 file, the metrics by
town or village as of a day — and the ledger engine's import routes."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from ninja import Router, Schema

from tuopin.households import metrics, policy
from tuopin.households.ledger_app import APP
from tuopin.households.models import Measure, Relocation, Renovation, SevenItemRecord, Visit
from tuopin.households.views import households_for
from tuopin.ledger.api import add_routes
from tuopin.lib import clock
from tuopin.org.models import Level, OrgUnit

router = Router(tags=["帮扶档案"])
add_routes(router, APP)  # POST /import, GET /imports: the ledger engine's


class AssistanceMeasureOut(Schema):
    kind: str
    kind_label: str
    done_on: dt.date
    amount: str
    base: str


class FileOut(Schema):
    household_no: str
    planned_exit_year: int | None
    measures: list[AssistanceMeasureOut]
    seven_items_done: list[str]
    last_visit: dt.date | None
    renovation_years: list[int]
    relocated: bool
    policy_gaps: list[str]


@router.get(
    "/h/{number}", response=FileOut, summary="一户的帮扶档案（措施、七到户、走访、政策缺口）"
)
def household_file(request, number: str):
    household = households_for(request.user).filter(household_no=number).first()
    if household is None:
        raise Http404("没有这个建档立卡户，或该户不在您的管辖范围内")
    last = Visit.objects.filter(household=household).order_by("-visited_on").first()
    return {
        "household_no": household.household_no,
        "planned_exit_year": household.planned_exit_year,
        "measures": [
            {
                "kind": m.kind,
                "kind_label": m.get_kind_display(),
                "done_on": m.done_on,
                "amount": str(m.amount),
                "base": m.base.name if m.base else "",
            }
            for m in Measure.objects.filter(household=household).select_related("base")
        ],
        "seven_items_done": list(
            SevenItemRecord.objects.filter(household=household).values_list("item", flat=True)
        ),
        "last_visit": last.visited_on if last else None,
        "renovation_years": list(
            Renovation.objects.filter(household=household).values_list("year", flat=True)
        ),
        "relocated": Relocation.objects.filter(household=household).exists(),
        "policy_gaps": [
            row["label"]
            for row in policy.household_policies(household, clock.today())
            if not row["delivered"]
        ],
    }


class MetricOut(Schema):
    code: str
    name: str
    value: str | None
    reason: str


@router.get(
    "/metrics/{key}", response=list[MetricOut], summary="帮扶档案指标：按镇（或某镇的村）统计"
)
def metric(request, key: str, town: str = "", on: dt.date | None = None):
    by_key = {d["key"]: d["bulk"] for d in metrics.definitions()}
    if key not in by_key:
        raise Http404("没有这个指标")
    units = OrgUnit.objects.visible_to(request.user).filter(is_active=True)
    if town:
        level, units = Level.VILLAGE, units.filter(level=Level.VILLAGE, parent__code=town)
    else:
        level, units = Level.TOWN, units.filter(level=Level.TOWN)
    units = list(units.order_by("code"))
    values = by_key[key](level, on or clock.today(), [u.code for u in units]) if units else {}
    return [
        {
            "code": unit.code,
            "name": unit.name,
            "value": None if values[unit.code].value is None else str(values[unit.code].value),
            "reason": values[unit.code].reason,
        }
        for unit in units
    ]
