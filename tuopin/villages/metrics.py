"""The village teams and checks in the metric catalogue (lib.metrics), in the shared contract
shape: ``bulk(level, on, codes) -> {code: Value}`` evaluates a metric for every county, town or
village code in one grouped query, and ``stamp()`` changes whenever the source data does.

Checklist metrics read each place's *latest* inspection of a checklist on or before the day
(a failed check followed by a passing re-inspection counts as passing from that day on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from decimal import Decimal

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from tuopin.lib import metrics

LEVELS = ("county", "town", "village")
SOURCE = "villages"

# Checklist keys the demo ships (and the metrics read).
SANWU = "sanwu"
CLEANING = "cleaning"
SUPERMARKET = "supermarket"
DEMO_SITE = "demo_site"
FUZHI = "fuzhi"
CLINIC = "clinic"

Bulk = Callable[[str, dt.date, Collection[str] | None], dict[str, metrics.Value]]


def _places(level_of_place: str):
    from tuopin.org.models import OrgUnit

    return OrgUnit.objects.filter(level=level_of_place, is_active=True)


def _latest_passed(key: str, on: dt.date):
    """Subquery: whether the place's latest inspection of checklist ``key`` by ``on`` passed."""
    from tuopin.villages.models import ChecklistInspection

    latest = ChecklistInspection.objects.filter(
        org_unit=OuterRef("pk"), template__key=key, inspected_on__lte=on
    ).order_by("-inspected_on", "-recorded_at", "-pk")
    return Subquery(latest.values("passed")[:1])


def _passing(key: str, place_level: str, reason: str) -> Bulk:
    """Places (villages, or towns) whose latest inspection of ``key`` by the day passed."""

    def bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, metrics.Value]:
        if metrics.CODE_LENGTH[level] > metrics.CODE_LENGTH[place_level]:
            return metrics.fill(
                {}, level, codes, f"该指标按{'镇' if place_level == 'town' else '村'}以上统计"
            )
        rows = (
            metrics.grouped(
                _places(place_level).annotate(ok=_latest_passed(key, on)), level, codes, "code"
            )
            .values("g")
            .annotate(total=Count("pk"), hit=Count("pk", filter=Q(ok=True)))
        )
        found = {r["g"]: metrics.Value(Decimal(r["hit"])) for r in rows}
        return metrics.fill(found, level, codes, reason)

    return bulk


def _towns_with_site(level: str, on: dt.date, codes: Collection[str] | None):
    """Towns with at least one accepted (passed) 示范点 by the day."""
    from tuopin.villages.models import ChecklistInspection

    if level == "village":
        return metrics.fill({}, level, codes, "该指标按镇以上统计")
    accepted = ChecklistInspection.objects.filter(
        template__key=DEMO_SITE,
        passed=True,
        inspected_on__lte=on,
        org_unit__code__startswith=OuterRef("code"),
    )
    rows = (
        metrics.grouped(_places("town").annotate(ok=Exists(accepted)), level, codes, "code")
        .values("g")
        .annotate(hit=Count("pk", filter=Q(ok=True)))
    )
    return metrics.fill(
        {r["g"]: metrics.Value(Decimal(r["hit"])) for r in rows}, level, codes, "无此镇"
    )


def _county_models(level: str, on: dt.date, codes: Collection[str] | None):
    """Places named 县级典型 at an accepted 示范点 inspection by the day."""
    from tuopin.villages.models import ChecklistInspection

    named = ChecklistInspection.objects.filter(
        template__key=DEMO_SITE, passed=True, county_model=True, inspected_on__lte=on
    )
    rows = (
        metrics.grouped(named, level, codes, "org_unit__code")
        .values("g")
        .annotate(hit=Count("org_unit", distinct=True))
    )
    found = {r["g"]: metrics.Value(Decimal(r["hit"])) for r in rows}
    if codes is None:
        codes = set(found) | set(metrics.all_codes(level))
    return {code: found.get(code, metrics.Value(Decimal(0))) for code in codes}


def _demo_sites(level: str, on: dt.date, codes: Collection[str] | None):
    """Accepted (passed) “基层党组织+”示范点 by the day (distinct places)."""
    from tuopin.villages.models import ChecklistInspection

    accepted = ChecklistInspection.objects.filter(
        template__key=DEMO_SITE, passed=True, inspected_on__lte=on
    )
    rows = (
        metrics.grouped(accepted, level, codes, "org_unit__code")
        .values("g")
        .annotate(hit=Count("org_unit", distinct=True))
    )
    found = {r["g"]: metrics.Value(Decimal(r["hit"])) for r in rows}
    if codes is None:
        codes = set(found) | set(metrics.all_codes(level))
    return {code: found.get(code, metrics.Value(Decimal(0))) for code in codes}


def _commended(level: str, on: dt.date, codes: Collection[str] | None):
    """Team members commended (评选) by the day."""
    from tuopin.villages.models import Commendation

    rows = (
        metrics.grouped(
            Commendation.objects.filter(awarded_on__lte=on), level, codes, "member__village__code"
        )
        .values("g")
        .annotate(hit=Count("member", distinct=True))
    )
    found = {r["g"]: metrics.Value(Decimal(r["hit"])) for r in rows}
    if codes is None:
        codes = set(found) | set(metrics.all_codes(level))
    return {code: found.get(code, metrics.Value(Decimal(0))) for code in codes}


def _team_count(team: str, on: dt.date):
    from tuopin.villages.models import TeamMember

    members = (
        TeamMember.objects.in_post(on)
        .filter(village=OuterRef("pk"), team=team)
        .values("village")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), Value(0))


def _complete(percent: bool) -> Bulk:
    def bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, metrics.Value]:
        from tuopin.villages.codes import REQUIRED

        villages = _places("village").annotate(
            **{f"t_{team.value}": _team_count(team.value, on) for team in REQUIRED}
        )
        complete = Q()
        for team, needed in REQUIRED.items():
            complete &= Q(**{f"t_{team.value}__gte": needed})
        rows = (
            metrics.grouped(villages, level, codes, "code")
            .values("g")
            .annotate(total=Count("pk"), hit=Count("pk", filter=complete))
        )
        found = {
            r["g"]: metrics.rate(r["hit"], r["total"], on, empty="该范围没有村")
            if percent
            else metrics.Value(Decimal(r["hit"]))
            for r in rows
            if r["total"]
        }
        return metrics.fill(found, level, codes, "该范围没有村")

    return bulk


def _attendance(level: str, on: dt.date, codes: Collection[str] | None):
    from tuopin.villages.models import PresenceEntry

    rows = (
        metrics.grouped(
            PresenceEntry.objects.filter(presence_check__checked_on__lte=on),
            level,
            codes,
            "presence_check__village__code",
        )
        .values("g")
        .annotate(total=Count("pk"), hit=Count("pk", filter=Q(present=True)))
    )
    found = {r["g"]: metrics.rate(r["hit"], r["total"], on, empty="") for r in rows if r["total"]}
    return metrics.fill(found, level, codes, "评估日前没有在岗检查记录")


def _trained(level: str, on: dt.date, codes: Collection[str] | None):
    from tuopin.villages.models import TeamMember, TrainingAttendance

    attended = TrainingAttendance.objects.filter(member=OuterRef("pk"), session__held_on__lte=on)
    rows = (
        metrics.grouped(
            TeamMember.objects.in_post(on).annotate(t=Exists(attended)),
            level,
            codes,
            "village__code",
        )
        .values("g")
        .annotate(total=Count("pk"), hit=Count("pk", filter=Q(t=True)))
    )
    found = {r["g"]: metrics.rate(r["hit"], r["total"], on, empty="") for r in rows if r["total"]}
    return metrics.fill(found, level, codes, "评估日没有在岗的队伍成员")


def _open_rectifications(level: str, on: dt.date, codes: Collection[str] | None):
    from tuopin.cases.models import OPEN_STATES
    from tuopin.villages.models import ItemResult

    rows = (
        metrics.grouped(
            ItemResult.objects.filter(
                passed=False,
                inspection__inspected_on__lte=on,
                case__state__in=list(OPEN_STATES),
            ),
            level,
            codes,
            "inspection__org_unit__code",
        )
        .values("g")
        .annotate(hit=Count("case", distinct=True))
    )
    found = {r["g"]: metrics.Value(Decimal(r["hit"])) for r in rows}
    if codes is None:
        codes = set(found) | set(metrics.all_codes(level))
    return {code: found.get(code, metrics.Value(Decimal(0))) for code in codes}


stamp = metrics.table_stamp(
    "villages.TeamMember",
    ("villages.PresenceCheck", "recorded_at"),
    ("villages.TrainingSession", "created_at"),
    ("villages.ChecklistInspection", "recorded_at"),
    ("villages.TrainingAttendance", "pk"),
    ("villages.Commendation", "pk"),
)


def definitions() -> list[dict]:
    items = [
        (
            "villages.sanwu_passed",
            "“三无一规范一眼净”达标村",
            "个",
            _passing(SANWU, "village", "该范围没有村"),
            "评估日前最近一次“三无一规范一眼净”检查通过的村数。",
        ),
        (
            "villages.cleaning_passed",
            "长效保洁机制达标村",
            "个",
            _passing(CLEANING, "village", "该范围没有村"),
            "评估日前最近一次长效保洁机制检查通过的村数。",
        ),
        (
            "villages.supermarket_passed",
            "爱心超市规范管理达标村",
            "个",
            _passing(SUPERMARKET, "village", "该范围没有村"),
            "评估日前最近一次爱心超市规范管理检查通过的村数。",
        ),
        (
            "villages.demo_site_towns",
            "有验收合格“基层党组织+”示范点的镇",
            "个",
            _towns_with_site,
            "评估日前至少有一个“基层党组织+”示范点验收通过的镇数。",
        ),
        (
            "villages.demo_sites",
            "验收合格的“基层党组织+”示范点",
            "个",
            _demo_sites,
            "评估日前“基层党组织+”示范点验收通过的村数（按镇统计即每镇示范点个数）。",
        ),
        (
            "villages.county_models",
            "“基层党组织+”县级典型",
            "个",
            _county_models,
            "验收通过并评为县级典型的示范点个数。",
        ),
        (
            "villages.fuzhi_towns",
            "扶志扶智验收通过的镇",
            "个",
            _passing(FUZHI, "town", "该范围没有镇"),
            "评估日前最近一次扶志扶智验收通过的镇数。",
        ),
        (
            "villages.clinics_standard",
            "达到标准的村卫生室",
            "个",
            _passing(CLINIC, "village", "该范围没有村"),
            "评估日前最近一次标准化卫生室检查全部事项合格的村卫生室数（每村一室）。",
        ),
        (
            "villages.roster_complete",
            "四支队伍齐全的村",
            "个",
            _complete(False),
            "评估日在岗的第一书记≥1、驻村工作队≥2、帮扶干部≥1、村两委≥3人的村数。",
        ),
        (
            "villages.roster_completeness",
            "四支队伍齐全率",
            "%",
            _complete(True),
            "四支队伍齐全的村占全部村的百分比。",
        ),
        (
            "villages.attendance_rate",
            "驻村干部在岗率",
            "%",
            _attendance,
            "评估日前所有在岗检查中在岗人次占被检查人次的百分比。",
        ),
        (
            "villages.trained_share",
            "队伍成员参训率",
            "%",
            _trained,
            "评估日在岗的队伍成员中，评估日前参加过培训的人数占比（作战计划3.1“6月底前轮训”）。",
        ),
        (
            "villages.commended",
            "评选表彰的队伍成员",
            "人",
            _commended,
            "评估日前在评选中受到表彰的四支队伍成员人数（作战计划3.2“7月底前评选”）。",
        ),
        (
            "villages.open_rectifications",
            "检查发现未完成整改事项",
            "项",
            _open_rectifications,
            "评估日前清单检查不合格项所立整改件中，目前仍未办结的件数。",
        ),
    ]
    return [
        {
            "key": key,
            "name": name,
            "unit": unit,
            "kind": "computed",
            # Counts of towns are not evaluated per village.
            "levels": LEVELS[:2] if key in TOWN_COUNTS else LEVELS,
            "source": SOURCE,
            "description": description,
            "bulk": bulk,
            "stamp": stamp,
            "higher_is_better": key != "villages.open_rectifications",
        }
        for key, name, unit, bulk, description in items
    ]


TOWN_COUNTS = {"villages.demo_site_towns", "villages.fuzhi_towns"}


def register_village_metrics() -> None:
    for definition in definitions():
        metrics.register(metrics.Metric(**definition))
