"""The metric registry: the one way tuopin counts anything.

A milestone target, a dashboard tile and a bulletin row all read a metric — a key, a Chinese
name and a unit — evaluated for a scope (an org unit or a responsible unit) on a date. A metric
is *reported* (units enter it in weekly reports) or *computed* (a query over the registry and
the trackers). Apps register their metrics in ``AppConfig.ready``; nothing else counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

MetricKind = Literal["reported", "computed"]


@dataclass(frozen=True)
class Value:
    """A metric's value for a scope and date; ``value is None`` means 无数据 with a reason."""

    value: Decimal | None
    reason: str = ""
    as_of: dt.date | None = None

    @property
    def known(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    unit: str
    kind: MetricKind
    compute: Callable[[Any, dt.date], Value] | None = field(default=None, compare=False)
    description: str = ""
    higher_is_better: bool = True


class UnknownMetric(KeyError):
    pass


_registry: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    if metric.kind == "computed" and metric.compute is None:
        raise ValueError(f"computed metric {metric.key} needs a compute function")
    _registry[metric.key] = metric
    return metric


def get(key: str) -> Metric:
    try:
        return _registry[key]
    except KeyError:
        raise UnknownMetric(key) from None


def all_metrics() -> list[Metric]:
    return sorted(_registry.values(), key=lambda metric: metric.key)


def evaluate(key: str, scope: Any, on: dt.date) -> Value:
    metric = get(key)
    if metric.compute is None:
        return Value(None, reason="该指标由责任单位周报填报，尚无计算方法")
    return metric.compute(scope, on)
