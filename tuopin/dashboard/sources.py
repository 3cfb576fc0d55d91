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


def milestone_statuses(campaign: Campaign | None, on: dt.date) -> dict[int, str] | Unavailable:
    """{milestone id: status} from plan.progress."""
    if campaign is None:
        return NO_CAMPAIGN
    function = optional("tuopin.plan.progress", "milestone_statuses")
    if function is None:
        return PLAN_PENDING
    return dict(function(campaign, on))


def action_statuses(campaign: Campaign | None, on: dt.date) -> dict[int, str] | Unavailable:
    """{action id: status} from plan.progress."""
    if campaign is None:
        return NO_CAMPAIGN
    function = optional("tuopin.plan.progress", "action_status")
    if function is None:
        return PLAN_PENDING
    return {action.pk: function(action, on) for action in campaign.actions.all()}


def report_link(measurement) -> tuple[str, str]:
    """(url, label) of the report version that wrote a measurement, where reports provides one."""
    from django.urls import NoReverseMatch, reverse

    ref = measurement.source_ref or ""
    if measurement.source != "report" or not ref:
        return "", ref or "系统计算"
    number = "".join(ch for ch in ref.rsplit(":", 1)[-1] if ch.isdigit())
    if not number:
        return "", ref
    for name in ("reports:version", "reports:report"):
        try:
            return reverse(name, args=[int(number)]), f"周报 {ref}"
        except NoReverseMatch:
            continue
    return "", f"周报 {ref}"
