"""Phone forms for the employment and collective-economy records: one flow (``ledger.entry``) for
six kinds — 务工, 招聘会, 培训, 培训人员, 公益岗位 (就业台账) and 集体经济组织, 集体收入
(村集体经济台账) — each checked by the ledger's own plan, exactly as an imported row.

What may be chosen is scoped: places from the user's villages (a town its own, a village cadre
its own), persons from the registry of a chosen village in scope, shown by name and masked ID
(``org.privacy``); trainings of the user's places or of the town/county above them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse

from tuopin.jobs.layout import (
    ATTEND_SHEET,
    COOP_SHEET,
    FAIR_SHEET,
    INCOME_SHEET,
    POST_SHEET,
    SPELL_SHEET,
    TRAINING_SHEET,
)
from tuopin.jobs.ledger_app import ECONOMY_APP, JOBS_APP
from tuopin.jobs.models import Training
from tuopin.ledger import entry
from tuopin.ledger.entry import EntryKind, Picker
from tuopin.lib import clock
from tuopin.org import privacy
from tuopin.org.access import has_capability
from tuopin.org.models import Level, OrgUnit
from tuopin.registry.models import Person
from tuopin.water.sector import is_sector_department, sector_q
from tuopin.water.views import villages_for


def _persons(user, context: dict):
    village = context.get("village")
    if village is None:
        return []
    rows = (
        Person.objects.filter(household__village=village, household__is_active=True, is_active=True)
        .order_by("household__household_no", "pk")
        .values_list("pk", "name", "id_number", "household__household_no")
    )
    masked = privacy.MASKED  # a chooser never shows an ID in clear
    return [
        (str(pk), f"{name}（{masked.citizen_id(number)}，户 {household_no}）", number)
        for pk, name, number, household_no in rows
    ]


def _villages(user, context: dict):
    return [
        (v.code, f"{v.parent.name} {v.name}", v.code) for v in villages_for(user, context["sector"])
    ]


def _places(user, context: dict):
    """County, towns and villages in scope (where a job fair or a training is held)."""
    units = OrgUnit.objects.filter(
        sector_q(user, "jobs", "code"),
        level__in=(Level.COUNTY, Level.TOWN, Level.VILLAGE),
        is_active=True,
    ).order_by("code")
    return [(u.code, ("　" if u.level == Level.VILLAGE else "") + u.name, u.code) for u in units]


def _trainings(user, context: dict):
    """Trainings of the user's places and of the town and county above them (a village's
    people attend the town's trainings), latest first."""
    scope = user.scope.code if user.scope_id else ""
    above = [scope[:size] for size in (6, 9) if len(scope) > size]
    rows = (
        Training.objects.filter(sector_q(user, "jobs", "area__code") | Q(area__code__in=above))
        .order_by("-started_on", "code")
        .values_list("code", "name", "started_on")[:300]
    )
    return [(code, f"{code} {name}（{started:%Y-%m-%d}）", code) for code, name, started in rows]


PERSON = Picker(_persons)
VILLAGE = Picker(_villages)
PLACE = Picker(_places)
PLACE_LABEL = {"area_code": "所在地（县、镇或村）"}
VILLAGE_LABEL = {"village_code": "所在村"}
KINDS = {
    kind.slug: kind
    for kind in (
        EntryKind(
            "spell",
            "务工就业",
            JOBS_APP,
            SPELL_SHEET,
            "jobs.record",
            {"id_number": PERSON},
            skip=("name",),
            hints={"ended_on": "仍在务工不填", "full_time": "不填按全职"},
            labels={"id_number": "人员"},
        ),
        EntryKind(
            "fair",
            "招聘会",
            JOBS_APP,
            FAIR_SHEET,
            "jobs.record",
            {"area_code": PLACE},
            labels=PLACE_LABEL,
        ),
        EntryKind(
            "training",
            "培训",
            JOBS_APP,
            TRAINING_SHEET,
            "jobs.record",
            {"area_code": PLACE},
            hints={"kind": "“两后生”选两后生培训"},
            labels=PLACE_LABEL,
        ),
        EntryKind(
            "attendance",
            "培训人员",
            JOBS_APP,
            ATTEND_SHEET,
            "jobs.record",
            {"training_code": Picker(_trainings), "id_number": PERSON},
            skip=("name",),
            labels={"training_code": "培训", "id_number": "人员"},
        ),
        EntryKind(
            "post",
            "公益岗位",
            JOBS_APP,
            POST_SHEET,
            "jobs.record",
            {"village_code": VILLAGE, "id_number": PERSON},
            hints={
                "id_number": "在岗人员从上面所选村的建档立卡人员中选；空缺不选",
                "outside_reason": "在岗人员不是本村建档立卡人员时必填",
            },
            labels={"village_code": "所在村", "id_number": "在岗人员"},
        ),
        EntryKind(
            "coop",
            "集体经济组织",
            ECONOMY_APP,
            COOP_SHEET,
            "economy.record",
            {"village_code": VILLAGE},
            labels=VILLAGE_LABEL,
        ),
        EntryKind(
            "income",
            "集体收入",
            ECONOMY_APP,
            INCOME_SHEET,
            "economy.record",
            {"village_code": VILLAGE},
            hints={"amount": "单位万元，不能为负数"},
            labels=VILLAGE_LABEL,
        ),
    )
}
SECTOR = {"jobs.record": "jobs", "economy.record": "economy"}


def _chosen_village(request: HttpRequest, sector: str) -> tuple[list[OrgUnit], OrgUnit | None]:
    villages = list(villages_for(request.user, sector))
    code = request.GET.get("village", "")
    chosen = next((v for v in villages if v.code == code), None)
    if code and chosen is None:
        raise Http404("没有这个村或您无权录入")
    if chosen is None and len(villages) == 1:
        chosen = villages[0]
    return villages, chosen


@login_required
def record(request: HttpRequest, kind: str) -> HttpResponse:
    found = KINDS.get(kind)
    if found is None:
        raise Http404("没有这种记录")
    user = request.user
    sector = SECTOR[found.capability]
    if not has_capability(user, found.capability) or is_sector_department(user, sector):
        raise PermissionDenied("您没有录入这类记录的权限")
    villages, village = _chosen_village(request, sector)
    initial = {}
    if village is not None:
        initial["village_code"] = village.code
    if user.scope_id:
        initial["area_code"] = user.scope.code
    if "year" in {c.field for c in found.columns()}:
        initial["year"] = clock.today().year
    asks_person = "id_number" in found.pickers
    home = ("jobs:home", "就业帮扶") if sector == "jobs" else ("jobs:economy", "集体经济")
    return entry.page(
        request,
        found,
        context={"village": village, "sector": sector},
        initial=initial,
        extra={
            "kinds": [k for k in KINDS.values() if k.capability == found.capability],
            "entry_url": "jobs:record",
            "village": village,
            "villages": villages if asks_person and len(villages) > 1 else [],
            "village_url": "jobs:village" if sector == "jobs" else "jobs:economy_village",
            "home_url": home[0],
            "home_label": home[1],
        },
    )
