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
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tuopin.lib import clock
from tuopin.org.models import ResponsibleUnit
from tuopin.plan.models import Action, Campaign
from tuopin.reports.models import Period, Report, ReportEvent, Status, Timeliness
from tuopin.reports.periods import responsible_units

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


@dataclass
class RosterRow:
    """One unit expected to report in a period, with its report (None: no report row yet)."""

    unit: ResponsibleUnit
    report: Report | None
    last_chase: ReportEvent | None = None  # the latest 催报, filled in by the period page

    @property
    def status(self) -> str:
        return self.report.status if self.report is not None else Status.NOT_STARTED

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def signed(self) -> bool:
        return self.report is not None and self.report.first_signed_at is not None

    @property
    def exempt(self) -> bool:
        return self.report is not None and self.report.timeliness == Timeliness.EXEMPT

    @property
    def unsigned(self) -> bool:
        """Expected to sign and has no signed version yet (whatever the deadline says)."""
        return not self.signed and not self.exempt


def period_roster(period: Period, reports=None) -> list[RosterRow]:
    """Every unit expected to report in ``period``, ordered by kind and name.

    A unit that became responsible after the period's report rows were made has no row until
    the worker's next pass; while the period is not closed it is still expected (and unsigned).
    ``reports`` narrows the rows to what a user may see; units without a row are only listed
    when it is not given (county-wide readers).
    """
    visible = Report.objects.all() if reports is None else reports
    rows = [
        RosterRow(report.unit, report)
        for report in visible.filter(period=period).select_related("unit", "current_version")
    ]
    if reports is None and period.closed_at is None:
        have = {row.unit.pk for row in rows}
        rows += [
            RosterRow(unit, None)
            for unit in responsible_units(period.campaign)
            if unit.pk not in have
        ]
    return sorted(rows, key=lambda row: (row.unit.kind, row.unit.name))


# The period page's filters: key → (label, which rows it keeps).
ROSTER_FILTERS: dict[str, tuple[str, Callable[[RosterRow], bool]]] = {
    "all": ("全部", lambda row: True),
    "unsigned": ("尚未签字", lambda row: row.unsigned),
    "not_started": ("未填报", lambda row: row.unsigned and row.status == Status.NOT_STARTED),
    "draft": ("草稿", lambda row: row.unsigned and row.status == Status.DRAFT),
    "submitted": ("待签字", lambda row: row.unsigned and row.status == Status.SUBMITTED),
    "signed": ("已签字", lambda row: row.signed),
    "on_time": ("按时", lambda row: _timeliness(row) == Timeliness.ON_TIME),
    "late": ("迟报", lambda row: _timeliness(row) == Timeliness.LATE),
    "missing": ("漏报", lambda row: _timeliness(row) == Timeliness.MISSING),
    "returned": ("已退回", lambda row: row.status == Status.RETURNED),
    "changed": ("签字后有更改", lambda row: bool(row.report and row.report.changed_after_signing)),
    "exempt": ("免报", lambda row: row.exempt),
}
# Sorting by status puts the furthest behind first: nothing, a draft, waiting for the head …
STATUS_ORDER = [
    Status.NOT_STARTED,
    Status.DRAFT,
    Status.SUBMITTED,
    Status.RETURNED,
    Status.SIGNED,
    Status.RECEIVED,
]
ROSTER_SORTS: dict[str, tuple[str, Callable[[RosterRow], tuple]]] = {
    "unit": ("按单位", lambda row: (row.unit.kind, row.unit.name)),
    "status": (
        "按状态",
        lambda row: (row.exempt, STATUS_ORDER.index(row.status), row.unit.kind, row.unit.name),
    ),
    "signed_at": (
        "按签字时间",
        lambda row: (
            not row.signed,
            row.report.first_signed_at if row.signed else dt.datetime.max.replace(tzinfo=dt.UTC),
            row.unit.kind,
            row.unit.name,
        ),
    ),
}


def _timeliness(row: RosterRow) -> str:
    return row.report.timeliness if row.report is not None else Timeliness.PENDING


def roster_counts(rows: list[RosterRow]) -> dict[str, int]:
    """How many rows each filter keeps, plus ``expected``: every unit not exempt."""
    counts = {
        key: sum(1 for row in rows if keep(row)) for key, (_label, keep) in ROSTER_FILTERS.items()
    }
    counts["expected"] = counts["all"] - counts["exempt"]
    return counts


def unsigned_units(period: Period) -> list[ResponsibleUnit]:
    """The units still expected to sign this period (the 催报 list, the bulletin's 未报)."""
    return [row.unit for row in period_roster(period) if row.unsigned]


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
