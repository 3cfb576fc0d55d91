"""Action 17's indicators (安全饮水) from the water ledger, in the shared metric contract shape:
``bulk(level, on, codes) -> {code: Value}`` for every county, town or village code, a few
set-based queries for all of them (grouped in one pass, no query per village); ``stamp()``
changes whenever the ledger or the registry flags do.

Households are the registry's active 建档立卡 households; villages are the active village units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from decimal import Decimal

from tuopin.lib import metrics

LEVELS = ("county", "town", "village")
Bulk = Callable[[str, dt.date, Collection[str] | None], dict[str, metrics.Value]]


def group(level: str, pairs, codes: Collection[str] | None) -> dict[str, list]:
    """(village code, item) pairs grouped by the level's code (cut to its length)."""
    length = metrics.CODE_LENGTH[level]
    wanted = None if codes is None else set(codes)
    every = metrics.all_codes(level) if wanted is None else wanted
    grouped: dict[str, list] = {code: [] for code in every}
    for code, item in pairs:
        key = code[:length]
        if len(code) >= length and (wanted is None or key in wanted):
            grouped.setdefault(key, []).append(item)
    return grouped


def rate_or_count(
    level: str,
    codes: Collection[str] | None,
    pairs,
    hit: Callable[[object], bool],
    *,
    as_rate: bool,
    empty: str,
) -> dict[str, metrics.Value]:
    out = {}
    for code, items in group(level, pairs, codes).items():
        if not items:
            out[code] = metrics.Value(None, reason=empty)
            continue
        count = sum(1 for item in items if hit(item))
        out[code] = (
            metrics.rate(count, len(items), None, empty=empty)
            if as_rate
            else metrics.Value(Decimal(count))
        )
    return out


NO_HOUSEHOLDS = "该范围没有建档立卡户"
NO_VILLAGES = "该范围没有村"
NO_TESTS = "该范围今年没有水质检测报告"


def _households(on: dt.date):
    from tuopin.registry.models import Household

    return Household.objects.filter(is_registered=True, is_active=True)


def _household_pairs(households):
    return list(households.values_list("village__code", "pk", "water_piped"))


def households_tested(as_rate: bool) -> Bulk:
    def bulk(level, on, codes):
        from tuopin.water import quality

        households = _households(on)
        seen = quality.tested_this_year(households, on)
        return rate_or_count(
            level,
            codes,
            [(code, pk) for code, pk, _ in _household_pairs(households)],
            seen.__contains__,
            as_rate=as_rate,
            empty=NO_HOUSEHOLDS,
        )

    return bulk


def villages_tested(level, on, codes):
    from tuopin.org.models import Level, OrgUnit
    from tuopin.water.models import WaterTest

    tested = set(
        WaterTest.objects.filter(tested_on__range=(dt.date(on.year, 1, 1), on)).values_list(
            "village_id", flat=True
        )
    )
    pairs = OrgUnit.objects.filter(level=Level.VILLAGE, is_active=True).values_list("code", "pk")
    return rate_or_count(level, codes, pairs, tested.__contains__, as_rate=True, empty=NO_VILLAGES)


def test_pass_rate(level, on, codes):
    from tuopin.water.models import WaterTest

    pairs = WaterTest.objects.filter(tested_on__range=(dt.date(on.year, 1, 1), on)).values_list(
        "village__code", "passed"
    )
    return rate_or_count(level, codes, pairs, bool, as_rate=True, empty=NO_TESTS)


def tap_water_rate(level, on, codes):
    """建档立卡户 with water piped into the house (registry) or served by a 集中供水 point."""
    from tuopin.water.models import Service

    households = _households(on)
    central = set(
        Service.objects.filter(
            point__kind="central", household__in=households.values("pk")
        ).values_list("household_id", flat=True)
    )
    pairs = [(code, (pk, piped)) for code, pk, piped in _household_pairs(households)]
    return rate_or_count(
        level,
        codes,
        pairs,
        lambda item: item[1] or item[0] in central,
        as_rate=True,
        empty=NO_HOUSEHOLDS,
    )


def by_verdict(wanted: bool | None) -> Bulk:
    """Households whose tests say safe (True), unsafe (False) or that have no test (None)."""

    def bulk(level, on, codes):
        from tuopin.water import quality

        households = _households(on)
        found = quality.verdicts(households, on)

        def hit(pk) -> bool:
            verdict = found.get(pk)
            return (
                verdict is None
                if wanted is None
                else (verdict is not None and verdict.passed == wanted)
            )

        pairs = [(code, pk) for code, pk, _ in _household_pairs(households)]
        return rate_or_count(level, codes, pairs, hit, as_rate=False, empty=NO_HOUSEHOLDS)

    return bulk


stamp = metrics.table_stamp(
    "water.SupplyPoint", "water.Service", "water.WaterTest", "registry.Household"
)


def definitions() -> list[dict]:
    items = [
        (
            "water.villages_tested_share",
            "今年有水质检测报告的村占比",
            "%",
            villages_tested,
            "今年（评估日所在年度、截至评估日）至少有一份水质检测报告的村 ÷ 村数。",
            True,
        ),
        (
            "water.households_tested_share",
            "今年有水质检测报告的贫困户占比",
            "%",
            households_tested(True),
            "今年有入户检测报告或其供水点有检测报告的建档立卡户 ÷ 建档立卡户数。",
            True,
        ),
        (
            "water.households_tested",
            "今年有水质检测报告的贫困户",
            "户",
            households_tested(False),
            "今年有入户检测报告或其供水点有检测报告的建档立卡户数。",
            True,
        ),
        (
            "water.test_pass_rate",
            "水质检测合格率",
            "%",
            test_pass_rate,
            "今年检测报告中结论合格的份数 ÷ 检测报告份数。",
            True,
        ),
        (
            "water.tap_water_rate",
            "贫困户自来水普及率",
            "%",
            tap_water_rate,
            "供水入户或由集中供水点供水的建档立卡户 ÷ 建档立卡户数。",
            True,
        ),
        (
            "water.safe_households",
            "检测水质达标户",
            "户",
            by_verdict(True),
            "按最新检测报告（入户检测优先，否则所在供水点检测）水质合格的建档立卡户数。",
            True,
        ),
        (
            "water.unsafe_households",
            "检测水质不达标户",
            "户",
            by_verdict(False),
            "按最新检测报告水质不合格的建档立卡户数（退出评估中饮水安全不达标）。",
            False,
        ),
        (
            "water.untested_households",
            "无水质检测报告户",
            "户",
            by_verdict(None),
            "本人和所在供水点都没有检测报告的建档立卡户数。",
            False,
        ),
    ]
    return contract(items, "water", stamp)


def contract(items, source: str, stamp_fn) -> list[dict]:
    return [
        {
            "key": key,
            "name": name,
            "unit": unit,
            "kind": "computed",
            "levels": LEVELS,
            "source": source,
            "description": description,
            "bulk": bulk,
            "stamp": stamp_fn,
            "higher_is_better": better,
        }
        for key, name, unit, bulk, description, better in items
    ]


def register(definitions_: list[dict]) -> None:
    for definition in definitions_:
        metrics.register(metrics.Metric(**definition))


def register_water_metrics() -> None:
    register(definitions())
