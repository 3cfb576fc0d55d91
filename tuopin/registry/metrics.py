"""Registry counts and rates as metrics, evaluated for every county, town, village or
responsible unit in one grouped query each (the registry's current state, as of a date)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

from django.db.models import Count, Max, Q, Sum

from tuopin.lib import metrics
from tuopin.lib.metrics import Value

LEVELS = ("county", "town", "village", "unit")
VILLAGE_LEVELS = ("county", "town", "village", "unit")
NO_HOUSEHOLDS = "该范围尚未导入农户档案"
NO_VILLAGES = "该范围没有行政村"

REMAINING = Q(is_registered=True, exit_status__in=["not_exited", "returned"])
SAFE_HOUSING = Q(housing_grade__in=["A", "B"]) | Q(
    relocation__in=["central_keys", "dispersed_moved_in"]
)
RELOCATED = Q(relocation__in=["central_keys", "dispersed_moved_in", "not_moved_in"])
MOVED_IN = Q(relocation__in=["central_keys", "dispersed_moved_in"])


def _stamp() -> str:
    """Changes to households, members or village facts (an edit or import sets updated_at)."""
    from tuopin.registry.models import Household, Person, VillageFacts

    # Separate aggregates: each is answered from an index (together they scan the table).
    households = (
        Household.objects.count(),
        Household.objects.aggregate(last=Max("pk"))["last"],
        Household.objects.aggregate(at=Max("updated_at"))["at"],
    )
    persons = Person.objects.aggregate(last=Max("pk"))  # closing a member touches its household
    facts = VillageFacts.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    return f"{households}|{persons}|{facts}"


stamp = metrics.held_stamp(_stamp)


def _households():
    from tuopin.registry.models import Household

    return Household.objects.filter(is_active=True)


def _villages():
    from tuopin.org.models import OrgUnit

    return OrgUnit.objects.filter(level="village")


def household_bulk(
    make: Callable[[dict, dt.date], Value], aggregates: Callable[[dt.date], dict]
) -> metrics.Bulk:
    """A metric over active households grouped by area: ``make(row, on)`` turns the sums into
    a value; an area without households is 无数据."""

    def area_bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, Value]:
        rows = metrics.area_rows(_households(), "village__code", level, codes, aggregates(on))
        return {
            code: make(rows[code], on)
            if code in rows and rows[code].get("_n")
            else Value(None, reason=NO_HOUSEHOLDS, as_of=on)
            for code in metrics.level_codes(level, codes)
        }

    return metrics.by_area(area_bulk)


def village_bulk(
    make: Callable[[dict, dt.date], Value], aggregates: Callable[[dt.date], dict]
) -> metrics.Bulk:
    """A metric over administrative villages and their facts (村情), grouped by area."""

    def area_bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, Value]:
        rows = metrics.area_rows(_villages(), "code", level, codes, aggregates(on))
        return {
            code: make(rows[code], on)
            if code in rows and rows[code].get("_n")
            else Value(None, reason=NO_VILLAGES, as_of=on)
            for code in metrics.level_codes(level, codes)
        }

    return metrics.by_area(area_bulk)


def _count_of(name: str):
    return lambda row, on: metrics.count(row[name], on)


def _rate_of(empty: str):
    return lambda row, on: metrics.rate(row["num"], row["den"], on, empty=empty)


def _households_rate(condition: Q, empty: str = NO_HOUSEHOLDS):
    return household_bulk(
        _rate_of(empty),
        lambda on: {"_n": Count("pk"), "num": Count("pk", filter=condition), "den": Count("pk")},
    )


def _facts_complete(make):
    """Village rates need every village's facts: a village without 村情 makes the area 无数据."""

    def value(row, on):
        if row["missing"]:
            return Value(None, reason=f"{row['missing']}个村尚未导入村情数据，无法计算", as_of=on)
        return make(row, on)

    return value


def _insurance_bulk() -> metrics.Bulk:
    """Registered households' members in both 新农合 and 大病保险 ÷ their family size (the
    county's 7th exit item: members are counted, family sizes are the denominator)."""
    from tuopin.registry.models import Person

    def area_bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, Value]:
        families = metrics.area_rows(
            _households().filter(is_registered=True),
            "village__code",
            level,
            codes,
            {"_n": Count("pk"), "den": Sum("member_count")},
        )
        insured = metrics.area_rows(
            Person.objects.filter(
                is_active=True,
                household__is_active=True,
                household__is_registered=True,
                in_rural_medical_insurance=True,
                in_serious_illness_insurance=True,
            ),
            "household__village__code",
            level,
            codes,
            {"num": Count("pk")},
        )
        result = {}
        for code in metrics.level_codes(level, codes):
            row = families.get(code)
            if not row or not row["_n"]:
                result[code] = Value(None, reason="该范围没有建档立卡户", as_of=on)
                continue
            num = insured.get(code, {}).get("num", 0)
            result[code] = metrics.rate(num, row["den"], on, empty="建档立卡户家庭人口为0")
        return result

    return metrics.by_area(area_bulk)


def _appraised(on: dt.date) -> Q:
    return Q(housing_appraised_on__isnull=False, housing_appraised_on__lte=on)


DEFINITIONS: list[dict] = [
    {
        "key": "registry.households",
        "name": "农户数",
        "unit": "户",
        "bulk": household_bulk(_count_of("_n"), lambda on: {"_n": Count("pk")}),
        "description": "当前有效的农村户数。",
    },
    {
        "key": "registry.persons",
        "name": "农村人口",
        "unit": "人",
        "bulk": household_bulk(
            _count_of("v"), lambda on: {"_n": Count("pk"), "v": Sum("member_count")}
        ),
        "description": "当前有效农户的家庭人口之和。",
    },
    {
        "key": "registry.registered_households",
        "name": "建档立卡户数",
        "unit": "户",
        "bulk": household_bulk(
            _count_of("v"),
            lambda on: {"_n": Count("pk"), "v": Count("pk", filter=Q(is_registered=True))},
        ),
        "description": "是否建档立卡为“是”的有效农户数。",
    },
    {
        "key": "registry.registered_persons",
        "name": "建档立卡人口",
        "unit": "人",
        "bulk": household_bulk(
            _count_of("v"),
            lambda on: {
                "_n": Count("pk"),
                "v": Sum("member_count", filter=Q(is_registered=True)),
            },
        ),
        "description": "建档立卡户的家庭人口之和。",
    },
    {
        "key": "registry.remaining_poor_persons",
        "name": "未脱贫人口",
        "unit": "人",
        "bulk": household_bulk(
            _count_of("v"),
            lambda on: {"_n": Count("pk"), "v": Sum("member_count", filter=REMAINING)},
        ),
        "description": "脱贫状态为未脱贫或返贫的建档立卡户家庭人口之和。",
        "higher_is_better": False,
    },
    {
        "key": "registry.household_electricity_rate",
        "name": "农户通生活用电比例",
        "unit": "%",
        "bulk": _households_rate(Q(has_household_electricity=True)),
        "description": "通生活用电的有效农户 ÷ 有效农户（与县摘帽“农户通生活用电比例”同一口径）。",
        "sector": "电力",
    },
    {
        "key": "registry.households_without_power",
        "name": "未通生活用电农户数",
        "unit": "户",
        "bulk": household_bulk(
            _count_of("v"),
            lambda on: {
                "_n": Count("pk"),
                "v": Count("pk", filter=Q(has_household_electricity=False)),
            },
        ),
        "description": "档案中“通生活用电”为否的有效农户数。",
        "higher_is_better": False,
        "sector": "电力",
    },
    {
        "key": "registry.power_natural_village_rate",
        "name": "30户以上自然村通动力电比例",
        "unit": "%",
        "bulk": village_bulk(
            _facts_complete(_rate_of("该范围没有30户以上自然村")),
            lambda on: {
                "_n": Count("pk"),
                "missing": Count("pk", filter=Q(facts__isnull=True)),
                "num": Sum("facts__natural_villages_30plus_with_power"),
                "den": Sum("facts__natural_villages_30plus"),
            },
        ),
        "description": "村情中通动力电的30户以上自然村数 ÷ 30户以上自然村数。",
        "sector": "电力",
    },
    {
        "key": "registry.paved_road_village_rate",
        "name": "行政村通硬化路比例",
        "unit": "%",
        "bulk": village_bulk(
            _facts_complete(_rate_of(NO_VILLAGES)),
            lambda on: {
                "_n": Count("pk"),
                "missing": Count("pk", filter=Q(facts__isnull=True)),
                "num": Count("pk", filter=Q(facts__paved_road=True)),
                "den": Count("pk"),
            },
        ),
        "description": "村情中通硬化路（沥青或水泥路）的行政村 ÷ 行政村（县摘帽同一口径）。",
        "sector": "交通",
    },
    {
        "key": "registry.villages_without_paved_road",
        "name": "未通硬化路行政村数",
        "unit": "个",
        "bulk": village_bulk(
            _facts_complete(_count_of("v")),
            lambda on: {
                "_n": Count("pk"),
                "missing": Count("pk", filter=Q(facts__isnull=True)),
                "v": Count("pk", filter=Q(facts__paved_road=False)),
            },
        ),
        "description": "村情中未通硬化路的行政村数。",
        "higher_is_better": False,
        "sector": "交通",
    },
    {
        "key": "registry.standard_clinics",
        "name": "标准化卫生室",
        "unit": "个",
        "bulk": village_bulk(
            _count_of("v"),
            lambda on: {"_n": Count("pk"), "v": Count("pk", filter=Q(facts__standard_clinic=True))},
        ),
        "description": "村情中有标准化卫生室的行政村数。",
        "sector": "卫生",
    },
    {
        "key": "registry.housing_appraisal_rate",
        "name": "农户住房安全鉴定覆盖率",
        "unit": "%",
        "bulk": household_bulk(
            _rate_of(NO_HOUSEHOLDS),
            lambda on: {
                "_n": Count("pk"),
                "num": Count("pk", filter=_appraised(on)),
                "den": Count("pk"),
            },
        ),
        "description": "住房鉴定日期不晚于评估日的有效农户 ÷ 有效农户（方案16.1“完成所有农户房屋安全鉴定”）。",
        "sector": "住房",
    },
    {
        "key": "registry.safe_housing_rate",
        "name": "农户住房安全比例",
        "unit": "%",
        "bulk": _households_rate(SAFE_HOUSING),
        "description": "住房鉴定为A、B级或搬迁已交钥匙/已入住的有效农户 ÷ 有效农户（县摘帽同一口径）。",
        "sector": "住房",
    },
    {
        "key": "registry.relocation_moved_in_rate",
        "name": "易地搬迁户入住比例",
        "unit": "%",
        "bulk": household_bulk(
            _rate_of("该范围没有易地搬迁户"),
            lambda on: {
                "_n": Count("pk"),
                "num": Count("pk", filter=MOVED_IN),
                "den": Count("pk", filter=RELOCATED),
            },
        ),
        "description": "集中安置已交钥匙或分散安置已入住的搬迁户 ÷ 全部易地搬迁户。",
        "sector": "住房",
    },
    {
        "key": "registry.tap_water_household_rate",
        "name": "自来水入户率（户）",
        "unit": "%",
        "bulk": _households_rate(Q(water_piped=True)),
        "description": "供水入户的有效农户 ÷ 有效农户（县摘帽“农村自来水普及率”同一口径）。",
        "sector": "水利",
    },
    {
        "key": "registry.tap_water_person_rate",
        "name": "自来水普及率（人口）",
        "unit": "%",
        "bulk": household_bulk(
            _rate_of("该范围农户家庭人口为0"),
            lambda on: {
                "_n": Count("pk"),
                "num": Sum("member_count", filter=Q(water_piped=True)),
                "den": Sum("member_count"),
            },
        ),
        "description": "供水入户农户的家庭人口 ÷ 有效农户家庭人口。",
        "sector": "水利",
    },
    {
        "key": "registry.insurance_rate",
        "name": "贫困人口参加新农合和大病保险比例",
        "unit": "%",
        "bulk": _insurance_bulk(),
        "description": "建档立卡户中同时参加新农合和大病保险的成员 ÷ 建档立卡户家庭人口（县摘帽同一口径）。",
        "sector": "卫生",
    },
]

# Which sector each metric belongs to (sector boards read this).
SECTORS = {d["key"]: d["sector"] for d in DEFINITIONS if "sector" in d}


def register_registry_metrics() -> None:
    for definition in DEFINITIONS:
        metrics.register(
            metrics.Metric(
                key=definition["key"],
                name=definition["name"],
                unit=definition["unit"],
                kind="computed",
                description=definition["description"],
                higher_is_better=definition.get("higher_is_better", True),
                levels=LEVELS,
                source="registry",
                bulk=definition["bulk"],
                stamp=stamp,
            )
        )
