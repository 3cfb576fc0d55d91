"""Adapters to the apps the dashboard reads: each returns figures or says why it cannot.

The dashboard never counts a second way: every number comes from the owning app's documented
function or registered metric. When an app (or one of its functions) is not there yet, the
adapter returns a figure with ``value=None`` and the reason, which renders as “无数据”.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from typing import Any

from tuopin.org.models import OrgUnit
from tuopin.plan.models import Campaign


def optional(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` if that app already provides it, else None."""
    try:
        loaded = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(loaded, name, None)


def county_code(scope: OrgUnit) -> str:
    return scope.code[:6]


def campaign_for(scope: OrgUnit) -> Campaign | None:
    """The active campaign of the scope's county (the newest if several)."""
    return (
        Campaign.objects.filter(county__code=county_code(scope), is_active=True)
        .select_related("county")
        .order_by("-issued_on", "-id")
        .first()
    )


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


class Unavailable(str):
    """The reason a source cannot answer (shown next to “无数据”)."""


STATUS_LABELS = {
    "done": "已完成",
    "on_track": "正常推进",
    "at_risk": "有风险",
    "overdue": "已逾期",
    "not_started": "未开始",
    "unknown": "无数据",
}
STATUS_TONES = {"done": "ok", "on_track": "ok", "at_risk": "warn", "overdue": "bad"}
MILESTONE_STATUSES = ("done", "on_track", "at_risk", "overdue")

PLAN_PENDING = Unavailable("作战计划进度计算（plan.progress）尚未上线")
REPORTS_PENDING = Unavailable("周报时效统计（reports）尚未上线")
ASSESS_PENDING = Unavailable("退出评估（assess）尚未上线")
CASES_PENDING = Unavailable("问题台账（cases）尚未上线")
NO_CAMPAIGN = Unavailable("尚未导入作战计划")


def scoped_milestones(campaign: Campaign, scope: OrgUnit | None = None):
    """The campaign's milestones; for a town, those of the actions its own unit is on."""
    from tuopin.plan.models import Milestone

    milestones = Milestone.objects.filter(action__campaign=campaign)
    if scope is not None and scope.level == "town":
        milestones = milestones.filter(
            action__units__kind="town", action__units__org_unit=scope
        ).distinct()
    return milestones


def milestone_statuses(
    campaign: Campaign | None, on: dt.date, scope: OrgUnit | None = None
) -> dict[int, str] | Unavailable:
    """{milestone id: status} from plan.progress (a status is a str code with details)."""
    if campaign is None:
        return NO_CAMPAIGN
    function = optional("tuopin.plan.progress", "milestone_statuses")
    if function is None:
        return PLAN_PENDING
    return dict(function(scoped_milestones(campaign, scope), as_of_moment(on)))


def action_statuses(
    campaign: Campaign | None, on: dt.date, statuses: dict | None = None
) -> dict[int, str] | Unavailable:
    """{action id: status} from plan.progress."""
    if campaign is None:
        return NO_CAMPAIGN
    function = optional("tuopin.plan.progress", "action_statuses")
    if function is None:
        return PLAN_PENDING
    if statuses is not None and len(statuses) != scoped_milestones(campaign).count():
        statuses = None
    return dict(function(campaign, as_of_moment(on), statuses=statuses))


def metric_value(key: str, scope, on: dt.date, pending: Unavailable):
    """A registered metric's value, or why not (the app has not registered it yet)."""
    from tuopin.lib import metrics

    try:
        return metrics.evaluate(key, scope, on)
    except metrics.UnknownMetric:
        return metrics.Value(None, reason=pending)


def metric_values(key: str, level: str, on: dt.date, codes: list[str], pending: Unavailable):
    """A registered metric for many areas at once (one bulk evaluation), or why not."""
    from tuopin.lib import metrics

    try:
        return metrics.evaluate_many(key, level, on, codes)
    except metrics.UnknownMetric:
        return {code: metrics.Value(None, reason=pending) for code in codes}
    except metrics.NotEvaluable as refused:
        return {code: metrics.Value(None, reason=str(refused)) for code in codes}


def cases_figures(scope: OrgUnit, on: dt.date):
    """cases.backlog.figures for the scope at the as-of moment (the page the tile drills to)."""
    function = optional("tuopin.cases.backlog", "figures")
    if function is None:
        return CASES_PENDING
    return function(scope, as_of_moment(on))


def cases_by_town(scope: OrgUnit, on: dt.date) -> dict[str, Any] | Unavailable:
    """{town code (or the county's own key): cases.backlog Row} at the as-of moment."""
    function = optional("tuopin.cases.backlog", "breakdown")
    if function is None:
        return CASES_PENDING
    return {row.key: row for row in function(scope, as_of_moment(on), by="town")}


def cases_total(rows, on: dt.date):
    """The scope's backlog figures as the sum of its breakdown rows (open, overdue, parked)."""
    if isinstance(rows, Unavailable):
        return rows
    from tuopin.cases.backlog import Figures

    return Figures(
        at=as_of_moment(on),
        open=sum(row.open for row in rows.values()),
        overdue=sum(row.overdue for row in rows.values()),
        parked=sum(row.parked for row in rows.values()),
    )


def report_links(measurements: list) -> dict[int, tuple[str, str]]:
    """{measurement id: (url, label)}: the signed report version that wrote each value."""
    from django.urls import NoReverseMatch, reverse

    version_ids = {
        int(m.source_ref) for m in measurements if m.source == "report" and m.source_ref.isdigit()
    }
    versions = {}
    if version_ids and optional("tuopin.reports.models", "ReportVersion") is not None:
        from tuopin.reports.models import ReportVersion

        versions = {
            v.pk: v
            for v in ReportVersion.objects.filter(pk__in=version_ids).select_related(
                "report__period", "report__unit"
            )
        }
    links = {}
    for m in measurements:
        version = versions.get(int(m.source_ref)) if m.source_ref.isdigit() else None
        if m.source != "report":
            links[m.pk] = ("", "系统计算" if m.source == "computed" else m.source)
            continue
        if version is None:
            links[m.pk] = ("", f"周报版本 {m.source_ref or '—'}")
            continue
        try:
            url = reverse("reports:version", args=[version.pk])
        except NoReverseMatch:
            url = ""
        label = f"{version.report.unit.name} {version.report.period} 第{version.number}版"
        links[m.pk] = (url, label)
    return links


def as_of_moment(on: dt.date) -> dt.datetime:
    """The moment figures are taken at: now for today, the end of the day for a past day."""
    from tuopin.lib import clock

    return clock.now() if on >= clock.today() else clock.end_of_day(on)


def units_in_scope(scope: OrgUnit) -> set[int] | None:
    """Ids of the responsible units placed in a town (None: every unit, for a county)."""
    if scope.level == "county":
        return None
    from tuopin.org.models import ResponsibleUnit

    return set(
        ResponsibleUnit.objects.filter(org_unit__code__startswith=scope.code).values_list(
            "pk", flat=True
        )
    )


class ReportingWeek:
    """This week's reporting for a scope, from reports.timeliness."""

    def __init__(self, period, due: bool, rate, on_time: int, total: int, late_units: list[str]):
        self.period = period
        self.due = due
        self.rate = rate
        self.on_time = on_time
        self.total = total
        self.late_units = late_units


def reporting_period(campaign: Campaign, on: dt.date):
    """The period due in the week of ``on`` (else the one being filled, or the last one due)."""
    from tuopin.lib import clock
    from tuopin.reports.models import Period
    from tuopin.reports.periods import current_period

    monday, sunday = week_bounds(on)
    in_week = (
        Period.objects.filter(
            campaign=campaign,
            deadline__gte=clock.at(monday),
            deadline__lte=clock.end_of_day(sunday),
        )
        .order_by("deadline")
        .first()
    )
    return in_week or current_period(campaign, as_of_moment(on))


def reporting_week(
    campaign: Campaign | None, scope: OrgUnit, on: dt.date
) -> ReportingWeek | Unavailable:
    if campaign is None:
        return NO_CAMPAIGN
    if scope.level == "village":
        return Unavailable("周报按责任单位（县级部门和镇）报送，村级没有周报")
    if optional("tuopin.reports.timeliness", "period_timeliness") is None:
        return REPORTS_PENDING
    from tuopin.reports import timeliness

    period = reporting_period(campaign, on)
    if period is None:
        return Unavailable("本周尚无填报周期")
    moment = as_of_moment(on)
    groups = timeliness.period_timeliness(period)
    unit_ids = units_in_scope(scope)

    def inside(entry) -> bool:
        unit = entry[0] if isinstance(entry, tuple) else entry
        return unit_ids is None or unit.pk in unit_ids

    in_scope = {
        key: [entry for entry in entries if inside(entry)] for key, entries in groups.items()
    }
    due = period.deadline <= moment
    on_time = len(in_scope["on_time"])
    total = sum(len(in_scope[key]) for key in ("on_time", "late", "missing", "overdue", "pending"))
    if not due:
        return ReportingWeek(period, False, None, on_time, total, [])
    if scope.level == "county":
        rows = timeliness.weekly_rates(campaign, [period])
    else:
        rows = [row for row in timeliness.town_rates(campaign, [period]) if row.key == scope.code]
    rate = rows[0].on_time_rate if rows else None
    late_names = [unit.name for unit, _signed_at in in_scope["late"]] + [
        unit.name for key in ("missing", "overdue") for unit in in_scope[key]
    ]
    return ReportingWeek(period, True, rate, on_time, total, late_names)


def timeliness_trend(
    campaign: Campaign | None, scope: OrgUnit, on: dt.date, weeks: int = 16
) -> tuple[list[str], list[float | None]] | Unavailable:
    """On-time rate per week (oldest first) for the county or a town."""
    if campaign is None:
        return NO_CAMPAIGN
    if scope.level == "village":
        return Unavailable("周报按责任单位报送，村级没有签报率")
    if optional("tuopin.reports.timeliness", "weekly_rates") is None:
        return REPORTS_PENDING
    from tuopin.reports import timeliness

    periods = timeliness.recent_periods(campaign, weeks, now=as_of_moment(on))
    if not periods:
        return Unavailable("尚无已到截止时间的周报")
    labels = [f"第{p.number}周" for p in periods]
    if scope.level == "county":
        rates = [row.on_time_rate for row in timeliness.weekly_rates(campaign, periods)]
    else:
        rates = []
        for period in periods:
            rows = [r for r in timeliness.town_rates(campaign, [period]) if r.key == scope.code]
            rates.append(rows[0].on_time_rate if rows else None)
    return labels, [float(r) if r is not None else None for r in rates]


def town_reporting_rates(
    campaign: Campaign | None, on: dt.date, weeks: int = 4
) -> dict[str, object] | Unavailable:
    """{town code: on-time rate over the last ``weeks`` due periods}."""
    if campaign is None:
        return NO_CAMPAIGN
    if optional("tuopin.reports.timeliness", "town_rates") is None:
        return REPORTS_PENDING
    from tuopin.reports import timeliness

    periods = timeliness.recent_periods(campaign, weeks, now=as_of_moment(on))
    if not periods:
        return Unavailable("尚无已到截止时间的周报")
    return {row.key: row.on_time_rate for row in timeliness.town_rates(campaign, periods)}


class ExitFigures:
    """The exit-assessment figures of a scope, from assess's registered metrics and verdicts."""

    def __init__(self, failing, ready, poor, county_items, children: dict[str, dict], village=None):
        self.failing = failing
        self.ready = ready
        self.poor = poor
        self.county_items = county_items
        self.children = children  # {child code: {"failing", "ready", "poor"}}
        self.village = village  # the village's own AreaVerdict at village level


def exit_figures(scope: OrgUnit, on: dt.date) -> ExitFigures | Unavailable:
    """assess.households_failing / villages_ready / poor_villages / county_items_passing for the
    scope, and the same per town (or per village) rolled up from assess's village verdicts."""
    evaluation_for = optional("tuopin.assess.metrics", "evaluation_for")
    if evaluation_for is None:
        return ASSESS_PENDING
    failing = metric_value("assess.households_failing", scope, on, ASSESS_PENDING)
    if failing.value is None and failing.reason == ASSESS_PENDING:
        return ASSESS_PENDING
    ready = metric_value("assess.villages_ready", scope, on, ASSESS_PENDING)
    poor = metric_value("assess.poor_villages", scope, on, ASSESS_PENDING)
    county_items = (
        metric_value("assess.county_items_passing", scope, on, ASSESS_PENDING)
        if scope.level == "county"
        else None
    )
    children: dict[str, dict] = {}
    village = None
    try:
        evaluation = evaluation_for(scope.code, on)
    except Exception:
        # No rule set for the area or bad parameters: the metrics above already say why.
        evaluation = None
    if evaluation is not None:
        length = {"county": 9, "town": 12}.get(scope.level)
        for verdict in evaluation.villages:
            if verdict.code == scope.code:
                village = verdict
            if length is None:
                continue
            row = children.setdefault(verdict.code[:length], {"failing": 0, "ready": 0, "poor": 0})
            row["failing"] += verdict.risks.get("failing_registered", 0)
            if verdict.is_poor_village:
                row["poor"] += 1
                row["ready"] += int(verdict.passed is True)
    return ExitFigures(failing, ready, poor, county_items, children, village)
