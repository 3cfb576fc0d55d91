"""Indicators: every milestone and goal bound to a metric, computed values kept, gaps shown.

A milestone's ``metric_source`` says where its number comes from: ``reported`` (units type it
in their weekly reports, metric ``plan.<action>.<order>``), ``computed`` (the system evaluates
``metric_key`` from the registry and trackers; units are never asked) or ``both`` (units type
it and the system computes it; the two are reconciled). :func:`refresh` writes the computed
values per county, town and village (:class:`MetricSnapshot`) and the county (or town) values
as system measurements, which statuses and forecasts read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from tuopin.lib import clock, metrics
from tuopin.org.models import OrgUnit, ResponsibleUnit, UnitKind
from tuopin.plan.models import (
    Campaign,
    Goal,
    Measurement,
    MetricSnapshot,
    MetricSource,
    Milestone,
    MilestoneOrigin,
    Per,
)

# Clause wording → the computed metric that measures it (the parser proposes, HQ confirms).
CANDIDATES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"房屋安全鉴定|安全住房鉴定"), "%", "registry.housing_appraisal_rate"),
    (re.compile(r"A、B级|安全住房的农户比例"), "%", "registry.safe_housing_rate"),
    (re.compile(r"生活用电"), "%", "registry.household_electricity_rate"),
    (re.compile(r"动力电"), "%", "registry.power_natural_village_rate"),
    (re.compile(r"通沥青|水泥路|通硬化路"), "%", "registry.paved_road_village_rate"),
    (re.compile(r"自来水"), "%", "registry.tap_water_household_rate"),
    (re.compile(r"安全饮水"), "%", "assess.water_pass_rate"),
    (re.compile(r"实际入住|交付钥匙"), "%", "registry.relocation_moved_in_rate"),
    (re.compile(r"新农合|大病保险"), "%", "registry.insurance_rate"),
    (re.compile(r"错退"), "户", "assess.wrong_exit_risk"),
    (re.compile(r"漏评"), "户", "assess.missed_risk"),
    (re.compile(r"无积压"), "件", "cases.overdue"),
    (re.compile(r"零暂存"), "件", "cases.parked"),
    (re.compile(r"贫困村退出"), "个", "assess.villages_ready"),
    (re.compile(r"县.{0,4}摘帽.{0,4}7项指标"), "项", "assess.county_items_passing"),
]
COUNT_UNITS = {"个", "户", "人", "村", "项", "件", "所", "期", "次", "万元", "公里", ""}
LEVEL_FOR_PER = {Per.TOTAL: "county", Per.TOWN: "town", Per.VILLAGE: "village"}
SOURCE_LABELS = dict(MetricSource.choices)


class BindingRefused(ValueError):
    """A binding HQ asked for cannot hold; ``errors`` say why, in Chinese."""

    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


def propose(text: str, unit: str) -> str | None:
    """The registered computed metric a clause names, if its unit fits (or None)."""
    for pattern, metric_unit, key in CANDIDATES:
        if not pattern.search(text) or not _units_fit(metric_unit, unit or metric_unit):
            continue
        try:
            metric = metrics.get(key)
        except metrics.UnknownMetric:
            continue
        if metric.kind == "computed":
            return key
    return None


def _units_fit(metric_unit: str, target_unit: str) -> bool:
    """A rate binds a % target, a count a count target (户/个/村… are all counts)."""
    return (metric_unit == "%") == (target_unit == "%")


def check_binding(
    key: str, *, target_unit: str, per: str = Per.TOTAL, what: str = "时间节点"
) -> metrics.Metric:
    """The metric for ``key`` if ``what`` (with its unit and 口径) can be measured by it."""
    try:
        metric = metrics.get(key)
    except metrics.UnknownMetric:
        raise BindingRefused([f"没有指标“{key}”"]) from None
    errors = []
    if metric.kind != "computed":
        errors.append(f"指标“{metric.name}”由单位填报，不能作为系统计算的数值")
    if target_unit and not _units_fit(metric.unit, target_unit):
        errors.append(
            f"指标“{metric.name}”的单位是“{metric.unit}”，{what}的目标单位是“{target_unit}”："
            + ("比例不能度量个数" if metric.unit == "%" else "个数不能度量比例")
        )
    level = LEVEL_FOR_PER.get(per, "county")
    if not metric.evaluable_at(level):
        errors.append(f"指标“{metric.name}”{metrics.not_evaluable_reason(metric, level)}")
    if errors:
        raise BindingRefused(errors)
    return metric


def code_of(milestone: Milestone) -> str:
    return f"{milestone.action.number}.{milestone.order}"


def is_computed(milestone: Milestone) -> bool:
    return (
        milestone.metric_source in (MetricSource.COMPUTED, MetricSource.BOTH)
        and bool(milestone.metric_key)
        and not milestone.metric_key.startswith("plan.")
    )


def is_reported(milestone: Milestone) -> bool:
    return milestone.metric_source in (MetricSource.REPORTED, MetricSource.BOTH)


def tolerance_of(milestone: Milestone, campaign: Campaign | None = None) -> Decimal:
    if milestone.tolerance is not None:
        return milestone.tolerance
    campaign = campaign or milestone.action.campaign
    return campaign.tolerance


# ---------------------------------------------------------------- values


def computed_value(milestone: Milestone, county: OrgUnit, on: dt.date) -> metrics.Value | None:
    """The county value of a computed (or both) milestone's metric; None when not computed."""
    if not is_computed(milestone):
        return None
    try:
        return metrics.evaluate(milestone.metric_key, county, on)
    except metrics.UnknownMetric:
        return metrics.Value(None, reason="指标尚未登记", as_of=on)


def reported_values(milestones: list[Milestone], on: dt.date) -> dict[int, Decimal]:
    """What units typed, per milestone, as of ``on``: each unit's latest reported value,
    summed (a count) or averaged over the units reporting it (a percentage)."""
    moment = clock.end_of_day(on)
    latest: dict[int, dict[int | None, Decimal]] = defaultdict(dict)
    rows = (
        Measurement.objects.filter(
            milestone__in=[m.pk for m in milestones], source="report", measured_at__lte=moment
        )
        .order_by("milestone_id", "measured_at", "pk")
        .values_list("milestone_id", "unit_id", "value")
    )
    for milestone_id, unit_id, value in rows:
        latest[milestone_id][unit_id] = value
    units = {m.pk: m.target_unit for m in milestones}
    result = {}
    for milestone_id, by_unit in latest.items():
        total = sum(by_unit.values(), Decimal(0))
        if units.get(milestone_id) == "%":
            total = (total / len(by_unit)).quantize(metrics.CENT)
        result[milestone_id] = total
    return result


@dataclass
class Gap:
    reported: Decimal
    computed: Decimal
    tolerance: Decimal

    @property
    def difference(self) -> Decimal:
        return (self.reported - self.computed).quantize(metrics.CENT)

    @property
    def flagged(self) -> bool:
        return abs(self.difference) > self.tolerance


def gap(reported: Decimal | None, computed: metrics.Value | None, tolerance: Decimal) -> Gap | None:
    if reported is None or computed is None or computed.value is None:
        return None
    return Gap(reported, computed.value, tolerance)


def needs_explanation(
    milestone: Milestone, typed: Decimal, computed: metrics.Value | None
) -> Gap | None:
    """The gap when a typed value differs from the computed one beyond the tolerance."""
    found = gap(typed, computed, tolerance_of(milestone))
    return found if found is not None and found.flagged else None


# ---------------------------------------------------------------- refresh


def bound_keys(campaign: Campaign) -> set[str]:
    keys = {
        m.metric_key
        for m in Milestone.objects.filter(action__campaign=campaign).select_related("action")
        if is_computed(m)
    }
    keys |= {
        key
        for key in Goal.objects.filter(campaign=campaign).values_list("metric_key", flat=True)
        if key and not key.startswith("plan.")
    }
    known = {metric.key for metric in metrics.computed_metrics()}
    return keys & known


def refresh(campaign: Campaign, *, on: dt.date | None = None) -> dict[str, int]:
    """Write the computed values of every bound metric for the county, its towns and villages
    (dated ``on``), and new system measurements where a milestone's value changed."""
    day = on or clock.today()
    now = clock.now()
    county = campaign.county
    snapshots: list[MetricSnapshot] = []
    values_by_level: dict[tuple[str, str], dict[str, metrics.Value]] = {}
    areas = {
        "county": [county.code],
        "town": list(
            OrgUnit.objects.filter(level="town", code__startswith=county.code).values_list(
                "code", flat=True
            )
        ),
        "village": list(
            OrgUnit.objects.filter(level="village", code__startswith=county.code).values_list(
                "code", flat=True
            )
        ),
    }
    keys = sorted(bound_keys(campaign))
    for key in keys:
        metric = metrics.get(key)
        for level, codes in areas.items():
            if not metric.evaluable_at(level) or not codes:
                continue
            values = metrics.evaluate_many(key, level, day, codes)
            values_by_level[(key, level)] = values
            snapshots += [
                MetricSnapshot(
                    metric_key=key,
                    code=code,
                    level=level,
                    on=day,
                    value=value.value,
                    reason=value.reason[:200],
                    computed_at=now,
                )
                for code, value in values.items()
            ]
    with transaction.atomic():
        # One writer per campaign at a time: two workers never store the same change twice.
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        measurements = _system_measurements(campaign, day, now, values_by_level)
        MetricSnapshot.objects.bulk_create(
            snapshots,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["metric_key", "code", "on"],
            update_fields=["value", "reason", "computed_at", "level"],
        )
        Measurement.objects.bulk_create(measurements)
    return {"metrics": len(keys), "snapshots": len(snapshots), "measurements": len(measurements)}


def _system_measurements(
    campaign: Campaign,
    day: dt.date,
    now: dt.datetime,
    values_by_level: dict[tuple[str, str], dict[str, metrics.Value]],
) -> list[Measurement]:
    milestones = [
        m
        for m in Milestone.objects.filter(action__campaign=campaign).select_related("action")
        if is_computed(m)
    ]
    latest: dict[tuple[int, int | None], Decimal] = {}
    for milestone_id, unit_id, value in (
        Measurement.objects.filter(milestone__in=[m.pk for m in milestones], source="system")
        .order_by("measured_at", "pk")
        .values_list("milestone_id", "unit_id", "value")
    ):
        latest[(milestone_id, unit_id)] = value
    town_units = dict(
        ResponsibleUnit.objects.filter(
            kind=UnitKind.TOWN, org_unit__code__startswith=campaign.county.code
        ).values_list("org_unit__code", "pk")
    )
    created = []
    moment = now if day >= clock.today() else clock.end_of_day(day)
    for milestone in milestones:
        if milestone.per == Per.TOWN:
            pairs = [
                (town_units.get(code), value)
                for code, value in values_by_level.get((milestone.metric_key, "town"), {}).items()
                if code in town_units
            ]
        else:
            county_values = values_by_level.get((milestone.metric_key, "county"), {})
            pairs = [(None, county_values.get(campaign.county.code))]
        for unit_id, value in pairs:
            if value is None or value.value is None:
                continue
            number = value.value.quantize(metrics.CENT)
            if latest.get((milestone.pk, unit_id)) == number:
                continue
            created.append(
                Measurement(
                    milestone=milestone,
                    unit_id=unit_id,
                    value=number,
                    measured_at=moment,
                    source="system",
                    source_ref=milestone.metric_key[:60],
                )
            )
    return created


def refresh_all(now: dt.datetime | None = None) -> int:
    """The worker job: refresh every active campaign (values cached by stamp, so cheap)."""
    total = 0
    for campaign in Campaign.objects.filter(is_active=True).select_related("county"):
        total += refresh(campaign)["measurements"]
    return total


# ---------------------------------------------------------------- listing


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    if value == value.to_integral():
        return int(value)
    return float(value.quantize(metrics.CENT))


def listing(campaign: Campaign, on: dt.date) -> dict[str, Any]:
    """The campaign's indicators with county values (what `tuopin plan indicators` prints)."""
    from tuopin.plan.progress import milestone_statuses

    county = campaign.county
    statuses = milestone_statuses(campaign, on)
    milestones = list(
        Milestone.objects.filter(action__campaign=campaign)
        .select_related("action")
        .order_by("action__number", "order")
    )
    reported = reported_values([m for m in milestones if is_reported(m)], on)
    by_action: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for milestone in milestones:
        computed = computed_value(milestone, county, on)
        by_action[milestone.action_id].append(
            {
                "code": code_of(milestone),
                "text": milestone.text,
                "deadline": clock.local(milestone.deadline).date().isoformat(),
                "source": milestone.metric_source,
                "metric": milestone.metric_key,
                "target": _number(milestone.target_value),
                "reported": _number(reported.get(milestone.pk)) if is_reported(milestone) else None,
                "computed": _number(computed.value) if computed is not None else None,
                "status": str(statuses.get(milestone.pk, "unknown")),
            }
        )
    goals = []
    for goal in campaign.goals.order_by("order"):
        value = None
        if goal.metric_key:
            try:
                value = _number(metrics.evaluate(goal.metric_key, county, on).value)
            except metrics.UnknownMetric:
                value = None
        goals.append(
            {
                "text": goal.text,
                "metric": goal.metric_key,
                "target": _number(goal.value),
                "value": value,
            }
        )
    return {
        "campaign": campaign.title,
        "as_of": on.isoformat(),
        "actions": [
            {
                "number": action.number,
                "title": action.title,
                "indicators": by_action.get(action.pk, []),
            }
            for action in campaign.actions.order_by("number")
        ],
        "goals": goals,
    }


# ---------------------------------------------------------------- HQ edits


def binding_values(
    milestone: Milestone, *, source: str, key: str, target_unit: str, per: str
) -> dict[str, Any]:
    """``metric_source`` and ``metric_key`` for a binding, checked (BindingRefused if not)."""
    if source not in MetricSource.values:
        raise BindingRefused([f"指标来源“{source}”无效，应为单位填报、系统计算或填报并计算"])
    if source == MetricSource.REPORTED:
        return {"metric_source": source, "metric_key": reported_key(milestone)}
    if not key:
        raise BindingRefused(["系统计算或填报并计算的时间节点须选择度量指标"])
    check_binding(key, target_unit=target_unit, per=per)
    return {"metric_source": source, "metric_key": key}


def reported_key(milestone: Milestone) -> str:
    return f"plan.{milestone.action.number}.{milestone.order}"


def add_milestone(
    action,
    values: dict[str, Any],
    *,
    actor,
    origin: str = MilestoneOrigin.ADDED,
    split_from: Milestone | None = None,
) -> Milestone:
    """A new milestone on ``action`` (HQ, in the web UI); all checked before anything is written.

    It is marked as HQ's (``origin``), so a revision of the plan document keeps it."""
    from tuopin.org import audit
    from tuopin.plan import metrics as plan_metrics

    with transaction.atomic():
        order = (
            Milestone.all_objects.filter(action=action)
            .order_by("-order")
            .values_list("order", flat=True)
            .first()
            or 0
        ) + 1
        milestone = Milestone(action=action, order=order, origin=origin, split_from=split_from)
        fields = dict(values)
        source = fields.pop("metric_source", MetricSource.REPORTED)
        key = fields.pop("metric_key", "")
        for name, value in fields.items():
            setattr(milestone, name, value)
        binding = binding_values(
            milestone,
            source=source,
            key=key,
            target_unit=milestone.target_unit,
            per=milestone.per,
        )
        milestone.metric_source = binding["metric_source"]
        milestone.metric_key = binding["metric_key"]
        milestone.save()
        audit.record(
            milestone,
            {
                name: [None, str(getattr(milestone, name))]
                for name in ("text", "deadline", "metric_source", "origin")
            },
            actor=actor,
            action="新增时间节点",
        )
    plan_metrics.register_milestones([milestone])
    return milestone


def split_milestone(milestone: Milestone, parts: list[dict[str, Any]], *, actor) -> list[Milestone]:
    """Replace a bundled milestone by its parts (18.1 → 生活用电 / 动力电 / 电网改造): the parts
    are new milestones of the same action; the bundle is withdrawn, its history kept. The parts
    remember their bundle, so a revision of the document does not bring the bundle back."""
    from tuopin.org import audit

    cleaned = [part for part in parts if str(part.get("text", "")).strip()]
    if len(cleaned) < 2:
        raise BindingRefused(["拆分至少需要两个分项，每个分项一行"])
    created = []
    with transaction.atomic():
        for part in cleaned:
            values = {
                "deadline": part.get("deadline") or milestone.deadline,
                "text": str(part["text"]).strip(),
                "target_value": part.get("target_value", milestone.target_value),
                "target_unit": part.get("target_unit", milestone.target_unit),
                "comparator": part.get("comparator", milestone.comparator),
                "per": part.get("per", milestone.per),
                "starts_on": milestone.starts_on,
                "phrase": milestone.phrase,
                "metric_source": part.get("metric_source", MetricSource.REPORTED),
                "metric_key": part.get("metric_key", ""),
            }
            if values["target_value"] is None:
                values["comparator"] = ""
            created.append(
                add_milestone(
                    milestone.action,
                    values,
                    actor=actor,
                    origin=MilestoneOrigin.SPLIT,
                    split_from=milestone,
                )
            )
        milestone.withdrawn_at = clock.now()
        milestone.save(update_fields=["withdrawn_at"])
        audit.record(
            milestone,
            {"withdrawn_at": [None, str(milestone.withdrawn_at)]},
            actor=actor,
            action="拆分时间节点",
            note="拆分为：" + "；".join(part.text[:30] for part in created),
        )
    return created


def set_targets(milestone: Milestone, targets: dict[Any, Decimal | None], *, actor) -> int:
    """Targets per town (OrgUnit) or per unit (ResponsibleUnit); with a total target they must
    add up to it (a count; a percentage target is the same for every part)."""
    from tuopin.org import audit
    from tuopin.plan.models import MilestoneTarget

    given = {owner: value for owner, value in targets.items() if value is not None}
    errors = [f"{owner}的目标值不能为负数" for owner, value in given.items() if value < 0]
    if given and milestone.target_value is not None and milestone.target_unit != "%":
        total = sum(given.values(), Decimal(0))
        if total != milestone.target_value:
            errors.append(
                f"分解目标合计 {total.normalize():f}{milestone.target_unit}，"
                f"与总目标 {milestone.target_value.normalize():f}{milestone.target_unit} 不符"
            )
    if errors:
        raise BindingRefused(errors)
    with transaction.atomic():
        before = {
            str(t.area or t.unit): str(t.value)
            for t in milestone.targets.select_related("area", "unit")
        }
        milestone.targets.all().delete()
        rows = []
        for owner, value in given.items():
            if isinstance(owner, OrgUnit):
                rows.append(MilestoneTarget(milestone=milestone, area=owner, value=value))
            else:
                rows.append(MilestoneTarget(milestone=milestone, unit=owner, value=value))
        MilestoneTarget.objects.bulk_create(rows)
        after = {str(owner): str(value) for owner, value in given.items()}
        if before != after:
            audit.record(milestone, {"targets": [before, after]}, actor=actor, action="分解目标")
    return len(rows)


def bind_goal(goal: Goal, key: str, *, actor) -> dict[str, list[Any]]:
    from tuopin.org import audit

    if key:
        check_binding(key, target_unit="%" if goal.unit == "%" else goal.unit, what="目标任务")
    with transaction.atomic():
        return audit.apply_changes(goal, {"metric_key": key}, actor=actor, action="绑定度量指标")


def metric_choices(county: OrgUnit) -> list[tuple[str, str]]:
    """Computed metrics to bind, each with its latest stored county value (the preview button
    evaluates the chosen one afresh)."""
    latest: dict[str, str] = {}
    for key, value in (
        MetricSnapshot.objects.filter(code=county.code)
        .order_by("metric_key", "on", "computed_at")
        .values_list("metric_key", "value")
    ):
        latest[key] = "无数据" if value is None else metrics.number_text(value)
    choices = [("", "—")]
    for metric in metrics.computed_metrics():
        if metric.key.startswith(("plan.", "bulletin.")):
            continue
        shown = f"，最近计算 {latest[metric.key]}" if metric.key in latest else ""
        choices.append((metric.key, f"{metric.name}（{metric.unit}{shown}）"))
    return choices


def preview(key: str, county: OrgUnit, on: dt.date) -> str:
    """ "农户通生活用电比例：全县当前 99.98%（按县、镇、村、责任单位可算）"."""
    try:
        metric = metrics.get(key)
    except metrics.UnknownMetric:
        return ""
    value = metrics.evaluate(key, county, on)
    levels = "、".join(metrics.LEVEL_LABELS[level] for level in metric.levels)
    return (
        f"{metric.name}：{county.name}当前 {metrics.display(value, metric.unit)}"
        f"（可按{levels}计算；{metric.description}）"
    )


def latest_snapshots(keys: set[str], code: str) -> dict[str, MetricSnapshot]:
    """The newest stored value of each metric for one area (what refresh last wrote)."""
    latest: dict[str, MetricSnapshot] = {}
    for row in MetricSnapshot.objects.filter(metric_key__in=keys, code=code).order_by(
        "metric_key", "on", "computed_at"
    ):
        latest[row.metric_key] = row
    return latest


def goal_rows(campaign: Campaign) -> list[tuple[Goal, str]]:
    """Each goal with its current value (from the last refresh; 无数据 says why)."""
    goals = list(campaign.goals.order_by("order"))
    latest = latest_snapshots({g.metric_key for g in goals if g.metric_key}, campaign.county.code)
    rows = []
    for goal in goals:
        goal.metric_name = ""
        current = ""
        if goal.metric_key:
            try:
                metric = metrics.get(goal.metric_key)
            except metrics.UnknownMetric:
                metric = None
            goal.metric_name = metric.name if metric else "（指标已不存在）"
            row = latest.get(goal.metric_key)
            if metric and row is not None:
                value = metrics.Value(row.value, reason=row.reason)
                current = f"{metrics.display(value, metric.unit)}（{row.on:%m月%d日}）"
            elif metric:
                current = "尚未计算"
        rows.append((goal, current))
    return rows


@dataclass
class Reconciliation:
    """A milestone's typed and computed numbers side by side (county level)."""

    milestone: Milestone
    metric: metrics.Metric | None
    reported: Decimal | None
    computed: metrics.Value | None
    gap: Gap | None

    @property
    def unit(self) -> str:
        return self.milestone.target_unit or (self.metric.unit if self.metric else "")

    @property
    def reported_text(self) -> str:
        if self.reported is None:
            return "尚未填报"
        return f"{metrics.number_text(self.reported)}{self.unit}"

    @property
    def computed_text(self) -> str:
        if self.computed is None:
            return "—"
        return metrics.display(self.computed, self.unit)

    @property
    def flagged(self) -> bool:
        return self.gap is not None and self.gap.flagged

    @property
    def sentence(self) -> str:
        """ "填报 45.1%，系统计算 96.67%，相差 51.57 个百分点（容差 2）"."""
        if self.gap is None:
            return f"填报 {self.reported_text}，系统计算 {self.computed_text}"
        points = "个百分点" if self.unit == "%" else self.unit
        return (
            f"填报 {self.reported_text}，系统计算 {self.computed_text}，"
            f"相差 {metrics.number_text(abs(self.gap.difference))}{points}"
            f"（容差 {metrics.number_text(self.gap.tolerance)}）"
        )


def reconcile(
    milestones: list[Milestone], county: OrgUnit, on: dt.date, *, stored: bool = False
) -> list[Reconciliation]:
    """Typed and computed county values; ``stored`` reads the values the last refresh wrote (up
    to ``on``) instead of evaluating, so a board never waits on a recomputation."""
    reported = reported_values([m for m in milestones if is_reported(m)], on)
    snapshots: dict[str, MetricSnapshot] = {}
    if stored:
        for row in MetricSnapshot.objects.filter(
            metric_key__in={m.metric_key for m in milestones}, code=county.code, on__lte=on
        ).order_by("metric_key", "on", "computed_at"):
            snapshots[row.metric_key] = row
    result = []
    for milestone in milestones:
        if not is_computed(milestone):
            continue
        try:
            metric = metrics.get(milestone.metric_key)
        except metrics.UnknownMetric:
            metric = None
        snapshot = snapshots.get(milestone.metric_key)
        if snapshot is not None:
            computed = metrics.Value(snapshot.value, reason=snapshot.reason, as_of=snapshot.on)
        else:
            computed = computed_value(milestone, county, on)
        typed = reported.get(milestone.pk) if milestone.metric_source == MetricSource.BOTH else None
        result.append(
            Reconciliation(
                milestone, metric, typed, computed, gap(typed, computed, tolerance_of(milestone))
            )
        )
    return result


def largest_gaps(
    campaign: Campaign, on: dt.date, *, limit: int = 5, stored: bool = False
) -> list[Reconciliation]:
    """The both-sourced milestones whose typed and computed numbers differ beyond tolerance,
    largest gap first (the bulletin's 数据核对 list, the dashboard's flag)."""
    milestones = list(
        Milestone.objects.filter(action__campaign=campaign, metric_source=MetricSource.BOTH)
        .select_related("action", "action__campaign")
        .order_by("action__number", "order")
    )
    rows = [row for row in reconcile(milestones, campaign.county, on, stored=stored) if row.flagged]
    rows.sort(key=lambda row: -abs(row.gap.difference))
    return rows[:limit]
