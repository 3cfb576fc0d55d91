"""Sector boards: a county department sees the data of its own sector, across all towns.

A :class:`SectorGrant` (edited by HQ) gives a responsible unit read-only access to one sector:
the sector's metrics for the county and each town, and the villages (or households, personal
data masked) where the sector still has work to do. Nothing of other sectors is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Q

from tuopin.dashboard.models import Sector, SectorGrant
from tuopin.lib import clock, metrics
from tuopin.org import audit
from tuopin.org.models import OrgUnit, ResponsibleUnit

# Which sector a department answers for, by the words in its name (HQ may change the grants).
DEFAULT_SECTORS = [
    ("交通", Sector.TRANSPORT),
    ("电力", Sector.POWER),
    ("供电", Sector.POWER),
    ("住建", Sector.HOUSING),
    ("国土", Sector.HOUSING),
    ("水利", Sector.WATER),
    ("水务", Sector.WATER),
    ("卫计", Sector.HEALTH),
    ("卫健", Sector.HEALTH),
]

SECTOR_METRICS: dict[str, list[str]] = {
    Sector.TRANSPORT: ["registry.paved_road_village_rate", "registry.villages_without_paved_road"],
    Sector.POWER: [
        "registry.household_electricity_rate",
        "registry.households_without_power",
        "registry.power_natural_village_rate",
    ],
    Sector.HOUSING: [
        "registry.housing_appraisal_rate",
        "registry.safe_housing_rate",
        "registry.relocation_moved_in_rate",
    ],
    Sector.WATER: [
        "registry.tap_water_household_rate",
        "registry.tap_water_person_rate",
        "assess.water_pass_rate",
    ],
    Sector.HEALTH: ["registry.insurance_rate", "registry.standard_clinics"],
}
MAX_ROWS = 500


@dataclass
class Listing:
    title: str
    columns: list[str]
    rows: list[list[str]]
    empty: str
    more: int = 0


@dataclass
class SectorSection:
    sector: str
    label: str
    metrics: list[tuple[metrics.Metric, str]]
    towns: list[tuple[OrgUnit, list[str]]]
    listings: list[Listing] = field(default_factory=list)


def default_sectors(unit: ResponsibleUnit) -> list[str]:
    names = f"{unit.name}{unit.short_name}"
    return sorted({sector for word, sector in DEFAULT_SECTORS if word in names})


def grant_defaults(county: OrgUnit, *, actor=None) -> int:
    """Give each county department the sector its name says (the demo; HQ edits them later)."""
    created = 0
    for unit in ResponsibleUnit.objects.filter(org_unit=county, kind="department"):
        for sector in default_sectors(unit):
            _, made = SectorGrant.objects.get_or_create(
                unit=unit,
                sector=sector,
                defaults={"granted_at": clock.now(), "granted_by": actor},
            )
            created += made
    return created


def sectors_of(unit: ResponsibleUnit | None) -> list[str]:
    if unit is None:
        return []
    return list(SectorGrant.objects.filter(unit=unit).values_list("sector", flat=True))


def set_grants(unit: ResponsibleUnit, sectors: list[str], *, actor) -> dict[str, list]:
    """HQ edits a unit's sector grants; the change is audited."""
    wanted = sorted(set(sectors) & set(Sector.values))
    with transaction.atomic():
        before = sorted(SectorGrant.objects.filter(unit=unit).values_list("sector", flat=True))
        if before == wanted:
            return {}
        SectorGrant.objects.filter(unit=unit).exclude(sector__in=wanted).delete()
        for sector in set(wanted) - set(before):
            SectorGrant.objects.create(
                unit=unit, sector=sector, granted_at=clock.now(), granted_by=actor
            )
        labels = dict(Sector.choices)
        changes = {
            "sector_grants": [
                "、".join(labels[s] for s in before) or "无",
                "、".join(labels[s] for s in wanted) or "无",
            ]
        }
        audit.record(unit, changes, actor=actor, action="修改行业数据授权")
    return changes


# ---------------------------------------------------------------- the board


def _village_names(county: OrgUnit) -> dict[str, tuple[str, str]]:
    towns = dict(OrgUnit.objects.filter(level="town", parent=county).values_list("code", "name"))
    return {
        code: (towns.get(code[:9], ""), name)
        for code, name in OrgUnit.objects.filter(
            level="village", code__startswith=county.code
        ).values_list("code", "name")
    }


def _cut(rows: list[list[str]]) -> tuple[list[list[str]], int]:
    return rows[:MAX_ROWS], max(0, len(rows) - MAX_ROWS)


def _transport(county: OrgUnit, user, on: dt.date) -> list[Listing]:
    names = _village_names(county)
    rows = [
        [*names.get(code, ("", code))]
        for code in OrgUnit.objects.filter(
            level="village", code__startswith=county.code, facts__paved_road=False
        )
        .order_by("code")
        .values_list("code", flat=True)
    ]
    missing = [
        [*names.get(code, ("", code))]
        for code in OrgUnit.objects.filter(
            level="village", code__startswith=county.code, facts__isnull=True
        )
        .order_by("code")
        .values_list("code", flat=True)
    ]
    listings = [Listing("未通硬化路的行政村", ["镇", "村"], *_pair(rows, "所有行政村均已通硬化路"))]
    if missing:
        listings.append(Listing("尚未导入村情数据的行政村", ["镇", "村"], *_pair(missing, "")))
    return listings


def _pair(rows: list[list[str]], empty: str) -> tuple[list[list[str]], str, int]:
    shown, more = _cut(rows)
    return shown, empty, more


def _households_listing(county: OrgUnit, user, condition: Q, title: str, empty: str) -> Listing:
    """Households (personal data masked through the privacy helper) meeting ``condition``."""
    from tuopin.org import privacy
    from tuopin.registry.models import Household

    names = _village_names(county)
    queryset = (
        Household.objects.filter(is_active=True, village__code__startswith=county.code)
        .filter(condition)
        .order_by("village__code", "household_no")
        .values_list("household_no", "head_name", "village__code")
    )
    rows = []
    disclosure = privacy.MASKED  # a sector board is read-only and never shows personal data
    for number, head, code in queryset[: MAX_ROWS + 1]:
        town, village = names.get(code, ("", code))
        rows.append([town, village, number, disclosure.name(head)])
    total = queryset.count() if len(rows) > MAX_ROWS else len(rows)
    shown = rows[:MAX_ROWS]
    return Listing(title, ["镇", "村", "户编号", "户主"], shown, empty, total - len(shown))


def _power(county: OrgUnit, user, on: dt.date) -> list[Listing]:
    names = _village_names(county)
    short = [
        [*names.get(code, ("", code)), str(total - powered)]
        for code, total, powered in OrgUnit.objects.filter(
            level="village",
            code__startswith=county.code,
            facts__natural_villages_30plus__gt=F("facts__natural_villages_30plus_with_power"),
        )
        .order_by("code")
        .values_list(
            "code", "facts__natural_villages_30plus", "facts__natural_villages_30plus_with_power"
        )
    ]
    return [
        _households_listing(
            county,
            user,
            Q(has_household_electricity=False),
            "未通生活用电的农户",
            "所有农户均已通生活用电",
        ),
        Listing(
            "30户以上自然村未通动力电的行政村",
            ["镇", "村", "未通动力电自然村数"],
            *_pair(short, "30户以上自然村均已通动力电"),
        ),
    ]


def _per_village(county: OrgUnit, condition: Q, columns: dict) -> list[list[str]]:
    from tuopin.registry.models import Household

    names = _village_names(county)
    rows = (
        Household.objects.filter(is_active=True, village__code__startswith=county.code)
        .values("village__code")
        .annotate(**columns)
        .filter(condition)
        .order_by("village__code")
    )
    return [
        [*names.get(row["village__code"], ("", "")), *(str(row[name]) for name in columns)]
        for row in rows
    ]


def _housing(county: OrgUnit, user, on: dt.date) -> list[Listing]:
    rows = _per_village(
        county,
        Q(unsafe__gt=0) | Q(unappraised__gt=0),
        {
            "unsafe": Count("pk", filter=Q(housing_grade__in=["C", "D"])),
            "unappraised": Count(
                "pk", filter=Q(housing_appraised_on__isnull=True) | Q(housing_appraised_on__gt=on)
            ),
            "not_moved": Count("pk", filter=Q(relocation="not_moved_in")),
        },
    )
    return [
        Listing(
            "住房鉴定与安全住房缺口（按村）",
            ["镇", "村", "C、D级危房户", "尚未鉴定户", "搬迁未入住户"],
            *_pair(rows, "各村均无危房户和未鉴定户"),
        )
    ]


def _water(county: OrgUnit, user, on: dt.date) -> list[Listing]:
    rows = _per_village(
        county,
        Q(unpiped__gt=0) | Q(unsafe__gt=0),
        {
            "unpiped": Count("pk", filter=Q(water_piped=False)),
            "unsafe": Count("pk", filter=Q(water_quality_ok=False)),
        },
    )
    return [
        Listing(
            "饮水缺口（按村）",
            ["镇", "村", "未通自来水户", "水质不达标户"],
            *_pair(rows, "各村农户均已通自来水且水质达标"),
        )
    ]


def _health(county: OrgUnit, user, on: dt.date) -> list[Listing]:
    names = _village_names(county)
    rows = [
        [*names.get(code, ("", code))]
        for code in OrgUnit.objects.filter(level="village", code__startswith=county.code)
        .filter(Q(facts__standard_clinic=False) | Q(facts__isnull=True))
        .order_by("code")
        .values_list("code", flat=True)
    ]
    return [Listing("没有标准化卫生室的行政村", ["镇", "村"], *_pair(rows, "各村均有标准化卫生室"))]


LISTINGS: dict[str, Callable[[OrgUnit, object, dt.date], list[Listing]]] = {
    Sector.TRANSPORT: _transport,
    Sector.POWER: _power,
    Sector.HOUSING: _housing,
    Sector.WATER: _water,
    Sector.HEALTH: _health,
}


def board(sectors: list[str], county: OrgUnit, user, on: dt.date) -> list[SectorSection]:
    labels = dict(Sector.choices)
    towns = list(OrgUnit.objects.filter(level="town", parent=county).order_by("code"))
    result = []
    for sector in [s for s in Sector.values if s in sectors]:
        shown = []
        by_town: dict[str, list[str]] = {town.code: [] for town in towns}
        for key in SECTOR_METRICS[sector]:
            try:
                metric = metrics.get(key)
            except metrics.UnknownMetric:
                continue
            shown.append((metric, metrics.display(metrics.evaluate(key, county, on), metric.unit)))
            values = metrics.evaluate_many(key, "town", on, list(by_town))
            for code in by_town:
                by_town[code].append(metrics.display(values[code], metric.unit))
        result.append(
            SectorSection(
                sector,
                labels[sector],
                shown,
                [(town, by_town[town.code]) for town in towns],
                LISTINGS[sector](county, user, on),
            )
        )
    return result
