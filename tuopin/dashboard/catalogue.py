"""The metric catalogue: every registered metric with its value for an area and its parts.

A county (or town) page lists each computed metric's value; a metric's page shows the area's
value and the value of each town (or village) under it, from one bulk evaluation per level.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tuopin.lib import metrics
from tuopin.org.models import OrgUnit

CHILD_LEVEL = {"county": "town", "town": "village"}
SOURCE_LABELS = {
    "registry": "建档立卡档案",
    "assess": "退出评估",
    "cases": "问题台账",
    "reports": "周报",
    "plan": "作战计划",
    "bulletin": "周通报",
}


def source_label(metric: metrics.Metric) -> str:
    return SOURCE_LABELS.get(metric.app, "其他")


def levels_label(metric: metrics.Metric) -> str:
    return "、".join(metrics.LEVEL_LABELS[level] for level in metric.levels)


show = metrics.display


@dataclass
class Entry:
    metric: metrics.Metric
    value: metrics.Value
    text: str
    source: str
    levels: str


def entries(scope: OrgUnit, on: dt.date) -> list[Entry]:
    """Every registered computed metric evaluated for ``scope`` (cached by change stamps)."""
    level = metrics.level_of(scope)
    result = []
    for metric in metrics.all_metrics():
        if metric.kind != "computed" or metric.key.startswith("plan."):
            continue
        if metric.evaluable_at(level):
            try:
                value = metrics.evaluate(metric.key, scope, on)
            except Exception as error:  # a metric whose data cannot be read shows why
                value = metrics.Value(None, reason=f"计算失败：{error}", as_of=on)
        else:
            value = metrics.Value(
                None, reason="该指标" + metrics.not_evaluable_reason(metric, level)
            )
        result.append(
            Entry(
                metric, value, show(value, metric.unit), source_label(metric), levels_label(metric)
            )
        )
    return result


@dataclass
class Part:
    unit: OrgUnit
    value: metrics.Value
    text: str


def parts(metric: metrics.Metric, scope: OrgUnit, on: dt.date) -> tuple[str | None, list[Part]]:
    """The values of the towns (or villages) under ``scope``, in one bulk evaluation."""
    level = CHILD_LEVEL.get(metrics.level_of(scope))
    if level is None or not metric.evaluable_at(level):
        return None, []
    children = list(OrgUnit.objects.filter(parent=scope, level=level).order_by("code"))
    values = metrics.evaluate_many(metric.key, level, on, [child.code for child in children])
    return level, [
        Part(child, values[child.code], show(values[child.code], metric.unit)) for child in children
    ]


def total_of(metric: metrics.Metric, rows: list[Part], on: dt.date) -> metrics.Value:
    return metrics.combine([row.value for row in rows], unit=metric.unit, on=on)


def as_number(value: metrics.Value) -> float | None:
    return None if value.value is None else float(value.value.quantize(Decimal("0.01")))
