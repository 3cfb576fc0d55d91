"""The page model of a dashboard level (county, town or village): the same layout at each level.

``build_board`` gathers every figure for one scope on one date with a bounded number of queries
(independent of the number of villages and households), reading each number from its owning app
through :mod:`tuopin.dashboard.sources`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse

from tuopin.dashboard import sources
from tuopin.dashboard.figures import Figure, missing
from tuopin.org.codes import subtree_q
from tuopin.org.models import Level, OrgUnit
from tuopin.plan.models import Action, Campaign


def url_or_blank(name: str, *args) -> str:
    """A link to another app's page if that app already provides it."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@dataclass
class ActionCell:
    action: Action
    status: str
    url: str

    @property
    def status_label(self) -> str:
        return sources.STATUS_LABELS.get(self.status, "无数据")


@dataclass
class RankRow:
    unit: object  # OrgUnit or a household
    url: str
    figures: list[Figure]


@dataclass
class Ranking:
    title: str
    columns: list[str]
    rows: list[RankRow]
    note: str = ""


@dataclass
class Trend:
    key: str
    title: str
    unit: str
    labels: list[str] = field(default_factory=list)
    values: list[float | None] = field(default_factory=list)
    reason: str = ""

    @property
    def known(self) -> bool:
        return bool(self.labels) and not self.reason


@dataclass
class Board:
    scope: OrgUnit
    on: dt.date
    campaign: Campaign | None
    crumbs: list[OrgUnit]
    notices: list[str]
    phases: list[Figure]
    headline: list[Figure]
    milestones: list[Figure]
    actions: list[ActionCell]
    actions_reason: str
    late_units: list[str] | None
    ranking: Ranking
    trends: list[Trend]

    @property
    def level_label(self) -> str:
        return Level(self.scope.level).label


def month_day(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def child_level(scope: OrgUnit) -> str | None:
    return {Level.COUNTY: Level.TOWN, Level.TOWN: Level.VILLAGE}.get(scope.level)


def phase_figures(campaign: Campaign | None, on: dt.date) -> list[Figure]:
    if campaign is None:
        return [missing("phase", "阶段倒计时", sources.NO_CAMPAIGN)]
    figures = []
    for phase in campaign.phases.order_by("order", "start"):
        days = (phase.end - on).days
        if days < 0:
            figures.append(
                Figure(
                    key=f"phase-{phase.pk}",
                    label=f"{phase.name}",
                    value=0,
                    unit="天",
                    detail=f"已于{month_day(phase.end)}结束",
                )
            )
        else:
            tone = "bad" if days <= 7 else "warn" if days <= 30 else ""
            figures.append(
                Figure(
                    key=f"phase-{phase.pk}",
                    label=f"距{phase.name}结束",
                    value=days,
                    unit="天",
                    tone=tone,
                    detail=f"{month_day(phase.start)}—{month_day(phase.end)}",
                )
            )
    return figures or [missing("phase", "阶段倒计时", "作战计划中没有阶段安排")]


def milestone_figures(campaign: Campaign | None, on: dt.date) -> list[Figure]:
    statuses = sources.milestone_statuses(campaign, on)
    labels = {
        "done": "时间节点已完成",
        "on_track": "正常推进",
        "at_risk": "有风险",
        "overdue": "已逾期",
    }
    if isinstance(statuses, sources.Unavailable):
        return [missing(f"milestones-{key}", label, statuses) for key, label in labels.items()]
    total = len(statuses)
    base = url_or_blank("dashboard:milestones")
    return [
        Figure(
            key=f"milestones-{key}",
            label=label,
            value=sum(1 for status in statuses.values() if status == key),
            of=total,
            tone=sources.STATUS_TONES.get(key, ""),
            url=f"{base}?status={key}" if base else "",
        )
        for key, label in labels.items()
    ]


def action_cells(campaign: Campaign | None, on: dt.date) -> tuple[list[ActionCell], str]:
    if campaign is None:
        return [], sources.NO_CAMPAIGN
    actions = list(campaign.actions.order_by("number"))
    statuses = sources.action_statuses(campaign, on)
    reason = statuses if isinstance(statuses, sources.Unavailable) else ""
    known = {} if reason else statuses
    return [
        ActionCell(
            action=action,
            status=known.get(action.pk, "unknown"),
            url=reverse("dashboard:action", args=[action.number]),
        )
        for action in actions
    ], reason


def registry_counts(codes: list[str]) -> dict[str, dict[str, int]]:
    """Villages, poor villages and households per subtree, one query per kind."""
    if not codes:
        return {}
    length = len(codes[0])
    result = {code: {"villages": 0, "poor_villages": 0, "households": 0} for code in codes}
    scope_q = Q()
    for code in codes:
        scope_q |= subtree_q(code)
    villages = (
        OrgUnit.objects.filter(scope_q, level=Level.VILLAGE, is_active=True)
        .values_list("code", "is_poor_village")
        .iterator()
    )
    for code, poor in villages:
        counts = result.get(code[:length])
        if counts is not None:
            counts["villages"] += 1
            counts["poor_villages"] += int(poor)
    from tuopin.registry.models import Household

    household_q = Q()
    for code in codes:
        household_q |= subtree_q(code, "village__code")
    rows = (
        Household.objects.active()
        .registered()
        .filter(household_q)
        .values("village__code")
        .annotate(n=Count("pk"))
        .values_list("village__code", "n")
    )
    for village_code, n in rows:
        counts = result.get(village_code[:length])
        if counts is not None:
            counts["households"] += n
    return result


def ranking_for(scope: OrgUnit, user, on: dt.date) -> Ranking:
    level = child_level(scope)
    if level is None:
        return household_ranking(scope, user, on)
    children = list(
        OrgUnit.objects.visible_to(user).filter(parent=scope, is_active=True).order_by("code")
    )
    counts = registry_counts([child.code for child in children])
    columns = ["行政村", "贫困村", "建档立卡户"] if level == Level.TOWN else ["贫困村", "建档立卡户"]
    rows = []
    for child in children:
        c = counts.get(child.code, {})
        figures = []
        if level == Level.TOWN:
            figures.append(Figure("villages", "行政村", c.get("villages", 0)))
            figures.append(Figure("poor_villages", "贫困村", c.get("poor_villages", 0)))
        else:
            figures.append(
                Figure("poor_village", "贫困村", "是" if child.is_poor_village else "否")  # type: ignore[arg-type]
            )
        figures.append(Figure("households", "建档立卡户", c.get("households", 0)))
        rows.append(RankRow(child, reverse("dashboard:unit", args=[child.code]), figures))
    title = "各镇排名" if level == Level.TOWN else "各村情况"
    return Ranking(title=title, columns=columns, rows=rows)


def household_ranking(scope: OrgUnit, user, on: dt.date) -> Ranking:
    from tuopin.registry.models import Household

    households = list(
        Household.objects.visible_to(user)
        .active()
        .registered()
        .filter(village=scope)
        .order_by("household_no")
        .only("pk", "household_no", "head_name", "member_count", "exit_status", "village_id")[:500]
    )
    rows = []
    for household in households:
        url = url_or_blank("registry:household", household.pk)
        rows.append(
            RankRow(
                household,
                url,
                [
                    Figure("members", "家庭人口", household.member_count),
                    Figure(
                        "exit_status",
                        "脱贫状态",
                        household.get_exit_status_display() or "—",  # type: ignore[arg-type]
                    ),
                ],
            )
        )
    note = "" if len(households) < 500 else "仅显示前 500 户，请到建档立卡页面查看全部"
    return Ranking(title="建档立卡户", columns=["家庭人口", "脱贫状态"], rows=rows, note=note)


def headline_figures(scope: OrgUnit, campaign: Campaign | None, on: dt.date) -> list[Figure]:
    counts = registry_counts([scope.code]).get(scope.code, {})
    poor_villages = counts.get("poor_villages", 0)
    figures = [
        missing("reporting_rate", "本周按时报送率", sources.REPORTS_PENDING),
        missing("households_failing", "未达脱贫标准户", sources.ASSESS_PENDING),
        missing(
            "villages_ready",
            "达到退出标准的贫困村",
            sources.ASSESS_PENDING,
            of=poor_villages if scope.level != Level.VILLAGE else None,
        ),
    ]
    if scope.level == Level.COUNTY:
        figures.append(missing("county_items", "县摘帽指标达标", sources.ASSESS_PENDING, of=7))
    figures.append(missing("cases_overdue", "超期未办结问题", sources.CASES_PENDING))
    return figures


def trends_for(scope: OrgUnit, campaign: Campaign | None, on: dt.date) -> list[Trend]:
    return [
        Trend("timeliness", "按时报送率（周）", "%", reason=sources.REPORTS_PENDING),
        Trend("milestones", "时间节点完成数（周）", "个", reason=_milestone_trend_reason(campaign)),
    ]


def _milestone_trend_reason(campaign: Campaign | None) -> str:
    return sources.NO_CAMPAIGN if campaign is None else sources.PLAN_PENDING


def visible_crumbs(scope: OrgUnit, user) -> list[OrgUnit]:
    ancestors = scope.ancestors()
    if user.is_superuser or user.scope_id is None:
        return ancestors
    top = user.scope.code
    return [a for a in ancestors if a.code.startswith(top)]


def build_board(scope: OrgUnit, user, on: dt.date, notices: list[str] | None = None) -> Board:
    campaign = sources.campaign_for(scope)
    actions, actions_reason = action_cells(campaign, on)
    return Board(
        scope=scope,
        on=on,
        campaign=campaign,
        crumbs=visible_crumbs(scope, user),
        notices=list(notices or []),
        phases=phase_figures(campaign, on),
        headline=headline_figures(scope, campaign, on),
        milestones=milestone_figures(campaign, on),
        actions=actions,
        actions_reason=actions_reason,
        late_units=None,
        ranking=ranking_for(scope, user, on),
        trends=trends_for(scope, campaign, on),
    )
