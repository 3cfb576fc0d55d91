"""A household's water quality as the test reports say, and where the registry disagrees.

The rule: a household's own latest test report (入户检测) decides; without one, the latest test
of a supply point that serves it (if it is served by several, the latest of their latest tests;
on the same day a failure wins). A household with neither has no verdict (None)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tuopin.water.models import Service, WaterTest


@dataclass(frozen=True)
class Verdict:
    passed: bool
    report_no: str
    tested_on: dt.date
    own: bool  # the household's own test, not its supply point's
    failed_items: str

    @property
    def reason(self) -> str:
        whose = "入户检测" if self.own else "所在供水点检测"
        if self.passed:
            return f"{whose}报告 {self.report_no}（{self.tested_on}）合格"
        return f"{whose}报告 {self.report_no}（{self.tested_on}）不合格：{self.failed_items}"


def _latest(tests, key: str) -> dict[int, tuple]:
    found: dict[int, tuple] = {}
    rows = tests.order_by(key, "-tested_on", "passed", "-pk").values_list(
        key, "report_no", "tested_on", "passed", "failed_items"
    )
    for owner, *rest in rows.iterator(chunk_size=5000):
        found.setdefault(owner, tuple(rest))
    return found


def verdicts(households, on: dt.date | None = None) -> dict[int, Verdict]:
    """household id → Verdict for the households of ``households`` (a queryset) that have one,
    counting test reports dated on or before ``on`` (all when None). Three queries in all."""
    tests = WaterTest.objects.all()
    if on is not None:
        tests = tests.filter(tested_on__lte=on)
    ids = households.values("pk")
    own = _latest(tests.filter(household__in=ids), "household_id")
    services = list(
        Service.objects.filter(household__in=ids).values_list("household_id", "point_id")
    )
    points = _latest(
        tests.filter(
            household__isnull=True,
            point__in=Service.objects.filter(household__in=ids).values("point_id"),
        ),
        "point_id",
    )
    result: dict[int, Verdict] = {}
    for household_id, (report_no, day, passed, failed) in own.items():
        result[household_id] = Verdict(passed, report_no, day, True, failed)
    for household_id, point_id in services:
        if household_id in own or point_id not in points:
            continue
        report_no, day, passed, failed = points[point_id]
        known = result.get(household_id)
        if known is None or (day, not passed) > (known.tested_on, not known.passed):
            result[household_id] = Verdict(passed, report_no, day, False, failed)
    return result


@dataclass(frozen=True)
class Disagreement:
    household: object
    registry_ok: bool
    verdict: Verdict


def disagreements(households, on: dt.date | None = None) -> list[Disagreement]:
    """Households whose registry flag 水质达标 differs from what the tests say."""
    found = verdicts(households, on)
    rows = households.select_related("village").order_by("household_no")
    return [
        Disagreement(household, household.water_quality_ok, found[household.pk])
        for household in rows.iterator(chunk_size=2000)
        if household.pk in found and household.water_quality_ok != found[household.pk].passed
    ]


def tested_this_year(households, on: dt.date) -> set[int]:
    """Households with a test report (own or their point's) dated in ``on``'s year, ≤ ``on``."""
    start = dt.date(on.year, 1, 1)
    return {
        pk for pk, verdict in verdicts(households, on).items() if verdict.tested_on >= start
    } | set(
        Service.objects.filter(
            household__in=households.values("pk"),
            point__tests__tested_on__range=(start, on),
        ).values_list("household_id", flat=True)
    )


def untested(households, villages, on: dt.date) -> tuple[list, list]:
    """(villages, households) without a test report this year (as of ``on``)."""
    start = dt.date(on.year, 1, 1)
    tested_villages = set(
        WaterTest.objects.filter(tested_on__range=(start, on), village__in=villages).values_list(
            "village_id", flat=True
        )
    )
    seen = tested_this_year(households, on)
    return (
        [village for village in villages if village.pk not in tested_villages],
        [
            household
            for household in households.select_related("village")
            if household.pk not in seen
        ],
    )


def registry_flags(village_ids: set[int]) -> dict[int, bool]:
    """household id → 水质达标 as the tests say, for the households of these villages that have
    a test verdict: the registry import keeps it (registered in WaterConfig.ready)."""
    from tuopin.registry.models import Household

    found = verdicts(Household.objects.filter(village_id__in=village_ids))
    return {pk: verdict.passed for pk, verdict in found.items()}
