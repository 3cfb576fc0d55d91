"""The plan's metrics: one reported metric per milestone, and the plan's own computed counts.

Every milestone has a stable ``metric_key`` ("plan.<action number>.<order>"); units report it
in their weekly reports. A milestone whose clause names something the system can count itself
(safe housing, clinics, household electricity …) takes that computed metric instead, but only
when the app owning that metric has registered it: the plan never guesses a number.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from decimal import Decimal

from tuopin.lib import metrics

_lock = threading.Lock()
_loaded = False


def computed_metric_for(milestone) -> str | None:
    """The key of a registered computed metric that measures ``milestone``, if any."""
    from tuopin.plan.indicators import propose

    if milestone.target_value is None:
        return None
    return propose(milestone.text, milestone.target_unit)


def register_milestones(milestones: Iterable) -> None:
    for milestone in milestones:
        if milestone.metric_source != "reported" or not milestone.metric_key:
            continue
        metrics.register(
            metrics.Metric(
                key=milestone.metric_key,
                name=milestone.text[:60],
                unit=milestone.target_unit,
                kind="reported",
                description=f"作战计划时间节点：{milestone.text}",
            )
        )


def ensure_registered() -> None:
    """Register the reported metrics of stored milestones once per process (lazily, not in ready)."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        from tuopin.plan.models import Milestone

        register_milestones(
            Milestone.objects.filter(metric_source="reported").only(
                "metric_key", "metric_source", "text", "target_unit"
            )
        )
        _loaded = True


def _campaign_for(scope):
    from tuopin.plan.models import Campaign

    code = getattr(scope, "code", None) or getattr(getattr(scope, "org_unit", None), "code", "")
    return Campaign.objects.filter(county__code=code[:6], is_active=True).first()


def _milestones_for(scope):
    from tuopin.org.models import ResponsibleUnit
    from tuopin.plan.models import Milestone

    campaign = _campaign_for(scope)
    if campaign is None:
        return None
    queryset = Milestone.objects.filter(action__campaign=campaign)
    if isinstance(scope, ResponsibleUnit):
        queryset = queryset.filter(action__units=scope).distinct()
    return queryset


def _overdue(scope, on: dt.date) -> metrics.Value:
    from tuopin.plan.progress import milestone_statuses

    queryset = _milestones_for(scope)
    if queryset is None:
        return metrics.Value(None, reason="尚未导入作战计划")
    statuses = milestone_statuses(queryset, on=on)
    return metrics.Value(Decimal(sum(1 for s in statuses.values() if s == "overdue")), as_of=on)


def _done_rate(scope, on: dt.date) -> metrics.Value:
    from tuopin.plan.progress import milestone_statuses

    queryset = _milestones_for(scope)
    if queryset is None:
        return metrics.Value(None, reason="尚未导入作战计划")
    statuses = milestone_statuses(queryset, on=on)
    if not statuses:
        return metrics.Value(None, reason="作战计划没有时间节点", as_of=on)
    done = sum(1 for s in statuses.values() if s == "done")
    return metrics.Value((Decimal(done * 100) / len(statuses)).quantize(Decimal("0.1")), as_of=on)


def register_plan_metrics() -> None:
    metrics.register(
        metrics.Metric(
            key="plan.milestones_overdue",
            name="逾期时间节点数",
            unit="个",
            kind="computed",
            compute=_overdue,
            higher_is_better=False,
            description="当前作战计划中已过截止时间仍未完成的时间节点（县或责任单位）",
        )
    )
    metrics.register(
        metrics.Metric(
            key="plan.milestones_done_rate",
            name="时间节点完成率",
            unit="%",
            kind="computed",
            compute=_done_rate,
            description="当前作战计划中已完成的时间节点占比（县或责任单位）",
        )
    )
