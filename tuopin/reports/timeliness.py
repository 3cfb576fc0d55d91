"""Who signed on time, late, or not at all — the figures the bulletin and the dashboard read.

A unit is *on time* when its head's first signature is strictly before its deadline (the
period's, or the one HQ granted), *late* when after, *missing* when nothing was signed by the
lock. Rates count only reports whose deadline has passed (as of ``clock.now()``) and that were not
exempted:

* completeness rate = (on time + late) ÷ due
* on-time rate      = on time ÷ due

All functions take plain model objects and return plain Python (lists, dicts, dataclasses), so
callers never depend on how the counting is done.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tuopin.lib import clock
from tuopin.org.models import ResponsibleUnit
from tuopin.plan.models import Action, Campaign
from tuopin.reports.models import Period, Report, Timeliness

SIGNED = (Timeliness.ON_TIME, Timeliness.LATE)
NOT_DUE = (Timeliness.PENDING, Timeliness.EXEMPT)


@dataclass
class Rate:
    """Counts and rates for one row (a unit, an action, a town or a week)."""

    key: object
    label: str
    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    overdue: int = 0

    def add(self, timeliness: str) -> None:
        if timeliness in NOT_DUE:
            return
        self.due += 1
        if timeliness == Timeliness.ON_TIME:
            self.on_time += 1
        elif timeliness == Timeliness.LATE:
            self.late += 1
        elif timeliness == Timeliness.MISSING:
            self.missing += 1
        elif timeliness == Timeliness.OVERDUE:
            self.overdue += 1

    @property
    def signed(self) -> int:
        return self.on_time + self.late

    @property
    def completeness_rate(self) -> Decimal | None:
        """Signed ÷ due, as a percentage with one decimal (None when nothing was due)."""
        return _percent(self.signed, self.due)

    @property
    def on_time_rate(self) -> Decimal | None:
        return _percent(self.on_time, self.due)


def _percent(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def period_timeliness(period: Period) -> dict[str, list]:
    """``{"on_time": [units], "late": [(unit, signed_at)], "missing": [units],
    "overdue": [units], "pending": [units], "exempt": [units],
    "changed_after_signing": [units]}`` for one period, units ordered by kind and name."""
    result: dict[str, list] = {
        "on_time": [],
        "late": [],
        "missing": [],
        "overdue": [],
        "pending": [],
        "exempt": [],
        "changed_after_signing": [],
    }
    reports = (
        Report.objects.filter(period=period)
        .select_related("unit")
        .order_by("unit__kind", "unit__name")
    )
    for report in reports:
        if report.timeliness == Timeliness.LATE:
            result["late"].append((report.unit, report.first_signed_at))
        else:
            result[report.timeliness].append(report.unit)
        if report.changed_after_signing:
            result["changed_after_signing"].append(report.unit)
    return result


def _reports(campaign: Campaign, periods: list[Period] | None = None):
    # A report counts once its deadline has passed, even if it was signed early.
    reports = Report.objects.filter(period__campaign=campaign, deadline__lte=clock.now())
    if periods is not None:
        reports = reports.filter(period__in=periods)
    return reports


def weekly_rates(campaign: Campaign, periods: list[Period] | None = None) -> list[Rate]:
    """One row per period (oldest first): due, on time, late, missing and the two rates."""
    rows: dict[int, Rate] = {}
    chosen = periods if periods is not None else list(campaign.periods.order_by("number"))
    for period in chosen:
        rows[period.pk] = Rate(period, str(period))
    for period_id, timeliness in _reports(campaign, periods).values_list("period_id", "timeliness"):
        if period_id in rows:
            rows[period_id].add(timeliness)
    return list(rows.values())


def unit_rates(campaign: Campaign, periods: list[Period] | None = None) -> list[Rate]:
    """One row per responsible unit over the given periods (all by default)."""
    units = {
        unit.pk: unit
        for unit in ResponsibleUnit.objects.filter(reports__period__campaign=campaign).distinct()
    }
    rows = {
        pk: Rate(unit, unit.name)
        for pk, unit in sorted(units.items(), key=lambda i: (i[1].kind, i[1].name))
    }
    for unit_id, timeliness in _reports(campaign, periods).values_list("unit_id", "timeliness"):
        rows[unit_id].add(timeliness)
    return list(rows.values())


def action_rates(campaign: Campaign, periods: list[Period] | None = None) -> list[Rate]:
    """One row per action: every report of every unit responsible for it."""
    by_unit: dict[int, list[str]] = defaultdict(list)
    for unit_id, timeliness in _reports(campaign, periods).values_list("unit_id", "timeliness"):
        by_unit[unit_id].append(timeliness)
    rows = []
    actions = Action.objects.filter(campaign=campaign).prefetch_related("units").order_by("number")
    for action in actions:
        row = Rate(action, str(action))
        for unit in action.units.all():
            for timeliness in by_unit.get(unit.pk, []):
                row.add(timeliness)
        rows.append(row)
    return rows


def town_rates(campaign: Campaign, periods: list[Period] | None = None) -> list[Rate]:
    """One row per town (a town's own unit and any unit placed in it) plus 县级单位."""
    rows: dict[str, Rate] = {}
    values = _reports(campaign, periods).values_list(
        "unit__org_unit__code", "unit__org_unit__name", "timeliness"
    )
    town_names = dict(campaign.county.children.filter(level="town").values_list("code", "name"))
    for code, name, timeliness in values:
        town = code[:9] if len(code) >= 9 else ""
        label = town_names.get(town, name) if town else "县级单位"
        rows.setdefault(town, Rate(town, label)).add(timeliness)
    return [rows[key] for key in sorted(rows)]


def recent_periods(campaign: Campaign, weeks: int, now: dt.datetime | None = None) -> list[Period]:
    """The last ``weeks`` periods whose deadline has passed (oldest first)."""
    now = now or clock.now()
    chosen = list(campaign.periods.filter(deadline__lte=now).order_by("-number")[:weeks])
    return list(reversed(chosen))


def unit_history(unit: ResponsibleUnit, campaign: Campaign) -> list[tuple[Period, Report]]:
    """A unit's week-by-week record, newest first."""
    reports = (
        Report.objects.filter(unit=unit, period__campaign=campaign)
        .select_related("period")
        .order_by("-period__number")
    )
    return [(report.period, report) for report in reports]
