"""The page model of a dashboard level (county, town or village): the same layout at each level.

``build_board`` gathers every figure for one scope on one date with a bounded number of queries
(independent of the number of villages and households; two more per child row for the
registry's household metric), reading each number from its owning app through
:mod:`tuopin.dashboard.sources`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.db.models import Count
from django.urls import NoReverseMatch, reverse

from tuopin.dashboard import sources
from tuopin.dashboard.figures import Figure, from_value, missing
from tuopin.lib import clock
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
    label: str = ""

    @property
    def status_label(self) -> str:
        return self.label or sources.STATUS_LABELS.get(self.status, "无数据")


@dataclass
class RankRow:
    unit: object  # OrgUnit or a household
    url: str
    figures: list[Figure]
    verdict_url: str = ""  # assess's page for a household

    @property
    def key(self) -> str:
        return getattr(self.unit, "code", None) or getattr(self.unit, "household_no", "")


@dataclass
class Ranking:
    title: str
    columns: list[str]
    rows: list[RankRow]
    note: str = ""
    empty_reason: str = ""


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

    @property
    def script_id(self) -> str:
        return f"trend-{self.key}"

    @property
    def chart(self) -> dict:
        return {
            "title": self.title,
            "unit": self.unit,
            "labels": self.labels,
            "values": self.values,
        }


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
    exit_placeholders: list[Figure] = field(default_factory=list)
    checks: list = field(default_factory=list)  # 数据核对: typed vs computed beyond tolerance

    @property
    def exit_url(self) -> str:
        """The fragment with assess's figures, loaded after the page (it can take seconds)."""
        if sources.optional("tuopin.assess.metrics", "evaluation_for") is None:
            return ""
        url = reverse("dashboard:exit", args=[self.scope.code])
        return url if self.on == clock.today() else f"{url}?week={self.on.isoformat()}"

    @property
    def registry_url(self) -> str:
        if self.scope.level != Level.VILLAGE:
            return ""
        return url_or_blank("registry:village", self.scope.code)

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


def milestone_figures(scope: OrgUnit, statuses, on: dt.date) -> list[Figure]:
    labels = {
        "done": "时间节点已完成",
        "on_track": "正常推进",
        "at_risk": "有风险",
        "overdue": "已逾期",
    }
    if isinstance(statuses, sources.Unavailable):
        return [missing(f"milestones-{key}", label, statuses) for key, label in labels.items()]
    total = len(statuses)
    base = reverse("dashboard:milestones")
    scope_param = f"&scope={scope.code}" if scope.level == Level.TOWN else ""
    detail = {Level.TOWN: "本镇承担的节点", Level.VILLAGE: "全县口径"}.get(scope.level, "")
    week = f"&week={on.isoformat()}" if on != clock.today() else ""
    return [
        Figure(
            key=f"milestones-{key}",
            label=label,
            value=sum(1 for status in statuses.values() if status == key),
            of=total,
            tone=sources.STATUS_TONES.get(key, "") if key != "on_track" else "",
            url=f"{base}?status={key}{scope_param}{week}",
            detail=detail,
        )
        for key, label in labels.items()
    ]


def action_cells(campaign: Campaign | None, on: dt.date, statuses) -> tuple[list[ActionCell], str]:
    if campaign is None:
        return [], sources.NO_CAMPAIGN
    actions = list(campaign.actions.order_by("number"))
    known_statuses = None if isinstance(statuses, sources.Unavailable) else statuses
    by_action = sources.action_statuses(campaign, on, known_statuses)
    reason = by_action if isinstance(by_action, sources.Unavailable) else ""
    known = {} if reason else by_action
    week = f"?week={on.isoformat()}" if on != clock.today() else ""
    return [
        ActionCell(
            action=action,
            status=str(known.get(action.pk, "unknown")),
            url=reverse("dashboard:action", args=[action.number]) + week,
            label=getattr(known.get(action.pk), "label", ""),
        )
        for action in actions
    ], reason


def village_counts(code: str) -> dict[str, bool]:
    """{village code: is a poor village} for the active villages under ``code`` (one query)."""
    return dict(
        OrgUnit.objects.filter(subtree_q(code), level=Level.VILLAGE, is_active=True).values_list(
            "code", "is_poor_village"
        )
    )


def registry_counts(
    codes: list[str], base: dict[str, bool] | None = None
) -> dict[str, dict[str, int]]:
    """Villages and poor villages per subtree (as the org pages count them)."""
    result = {code: {"villages": 0, "poor_villages": 0} for code in codes}
    if not codes:
        return result
    if base is None:
        base = {}
        for code in codes:
            base.update(village_counts(code))
    length = len(codes[0])
    for village_code, poor in base.items():
        counts = result.get(village_code[:length])
        if counts is not None:
            counts["villages"] += 1
            counts["poor_villages"] += int(poor)
    return result


def ranking_for(
    scope: OrgUnit, user, on: dt.date, campaign: Campaign | None, cases_rows=None, base=None
) -> Ranking:
    level = child_level(scope)
    if level is None:
        return household_ranking(scope, user, on)
    children = list(
        OrgUnit.objects.visible_to(user).filter(parent=scope, is_active=True).order_by("code")
    )
    counts = registry_counts([child.code for child in children], base)
    columns = (
        ["行政村", "贫困村", "建档立卡户"] if level == Level.TOWN else ["贫困村", "建档立卡户"]
    )
    town_rates = sources.town_reporting_rates(campaign, on) if level == Level.TOWN else None
    overdue_cases = None
    if level == Level.TOWN:
        rows_by_town = cases_rows if cases_rows is not None else sources.cases_by_town(scope, on)
        overdue_cases = (
            rows_by_town
            if isinstance(rows_by_town, sources.Unavailable)
            else {key: row.overdue for key, row in rows_by_town.items()}
        )
    if level == Level.TOWN:
        columns += ["超期未办结问题", "近4周按时签报率（%）"]
    households = sources.metric_values(
        "registry.registered_households",
        str(level),
        on,
        [child.code for child in children],
        sources.Unavailable("建档立卡档案（registry）尚未上线"),
    )
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
        figures.append(from_value("households", "建档立卡户", households[child.code]))
        if level == Level.TOWN:
            figures.append(overdue_cell(overdue_cases, child.code))
            figures.append(rate_cell(town_rates, child.code))
        rows.append(RankRow(child, reverse("dashboard:unit", args=[child.code]), figures))
    if town_rates is not None and not isinstance(town_rates, sources.Unavailable):
        rows.sort(key=lambda row: rank_key(row.figures[-1]))
    title = "各镇排名（按近4周按时签报率）" if level == Level.TOWN else "各村情况"
    return Ranking(title=title, columns=columns, rows=rows)


def overdue_cell(overdue, code: str) -> Figure:
    label = "超期未办结问题"
    if isinstance(overdue, sources.Unavailable):
        return missing("town_cases_overdue", label, overdue)
    return Figure("town_cases_overdue", label, overdue.get(code, 0))


def rate_cell(rates, code: str) -> Figure:
    label = "近4周按时签报率"
    if isinstance(rates, sources.Unavailable):
        return missing("town_reporting_rate", label, rates)
    if code not in rates or rates[code] is None:
        return missing("town_reporting_rate", label, "该镇近4周没有到期的周报")
    return Figure("town_reporting_rate", label, rates[code], unit="%")


def rank_key(figure: Figure):
    """Known values first, highest first; 无数据 last."""
    return (figure.value is None, -(figure.value or 0))


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
        url = url_or_blank("registry:household", household.household_no)
        rows.append(
            RankRow(
                household,
                url,
                verdict_url=url_or_blank("assess:household", household.household_no),
                figures=[
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


EXIT_LABELS = {
    "households_failing": "未达脱贫标准的建档立卡户",
    "villages_ready": "达到退出标准的贫困村",
    "county_items": "县摘帽指标达标",
}


def exit_placeholders(scope: OrgUnit, base) -> list[Figure]:
    """The assess tiles before their fragment arrives (or 无数据 when assess is not there)."""
    pending = sources.optional("tuopin.assess.metrics", "evaluation_for") is None
    reason = sources.ASSESS_PENDING if pending else "正在计算……"
    poor = registry_counts([scope.code], base).get(scope.code, {}).get("poor_villages")
    keys = ["households_failing", "villages_ready"] + (
        ["county_items"] if scope.level == Level.COUNTY else []
    )
    of = {"villages_ready": poor if scope.level != Level.VILLAGE else None, "county_items": 7}
    return [
        missing(key, EXIT_LABELS[key], reason, of=of.get(key), loading=not pending) for key in keys
    ]


@dataclass
class ExitRow:
    unit: OrgUnit
    url: str
    failing: int
    ready: int
    poor: int


def exit_view(
    scope: OrgUnit, user, on: dt.date, result
) -> tuple[list[Figure], list[ExitRow], list]:
    """Tiles, per-child rows and (for a village) the village's items from assess's figures."""
    if isinstance(result, sources.Unavailable):
        placeholders = exit_placeholders(scope, None)
        return [replace(f, reason=result, loading=False) for f in placeholders], [], []
    assess_home = url_or_blank("assess:home")
    village_url = url_or_blank("assess:village", scope.code) if scope.level == Level.VILLAGE else ""
    poor = result.poor.value
    tiles = [
        from_value(
            "households_failing",
            EXIT_LABELS["households_failing"],
            result.failing,
            unit="户",
            tone="ok" if result.failing.value == 0 else "bad",
            url=village_url or assess_home,
        ),
    ]
    if scope.level != Level.VILLAGE:
        tiles.append(
            from_value(
                "villages_ready",
                EXIT_LABELS["villages_ready"],
                result.ready,
                of=int(poor) if poor is not None else None,
                tone="ok" if poor is not None and result.ready.value == poor else "warn",
                url=assess_home,
            )
        )
    else:
        passed = result.village.passed if result.village is not None else None
        tiles.append(
            Figure(
                "village_ready",
                "本村退出指标",
                {True: "达标", False: "未达标", None: "数据不全"}[passed],  # type: ignore[arg-type]
                tone={True: "ok", False: "bad"}.get(passed, "warn"),
                url=village_url,
            )
        )
    if result.county_items is not None:
        tiles.append(
            from_value(
                "county_items",
                EXIT_LABELS["county_items"],
                result.county_items,
                of=7,
                tone="ok" if result.county_items.value == 7 else "bad",
                url=assess_home,
            )
        )
    rows = []
    if result.children:
        children = OrgUnit.objects.visible_to(user).filter(
            parent=scope, code__in=list(result.children)
        )
        for child in children.order_by("code"):
            numbers = result.children[child.code]
            rows.append(
                ExitRow(
                    child,
                    reverse("dashboard:unit", args=[child.code]),
                    numbers["failing"],
                    numbers["ready"],
                    numbers["poor"],
                )
            )
        rows.sort(key=lambda row: (-row.failing, row.unit.code))
    items = []
    if result.village is not None:
        show = sources.optional("tuopin.assess.engine", "show") or str
        compare = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠"}
        for item in result.village.items.values():
            unit = item.unit if item.value is not None else ""
            items.append(
                {
                    "key": item.key,
                    "label": item.label,
                    "value": f"{show(item.value)}{unit}",
                    "threshold": (
                        f"{compare.get(item.compare, item.compare)} {show(item.threshold)}{item.unit}"
                        if item.threshold is not None
                        else "无数据"
                    ),
                    "passed": item.passed,
                }
            )
    return tiles, rows, items


def reporting_figure(week) -> Figure:
    if isinstance(week, sources.Unavailable):
        return missing("reporting_rate", "本周按时签报率", week)
    url = url_or_blank("reports:period", week.period.pk)
    deadline = clock.local(week.period.deadline)
    if not week.due:
        return Figure(
            key="reporting_signed",
            label="本周已按时签报单位",
            value=week.on_time,
            of=week.total,
            url=url,
            detail=f"{week.period}，{deadline:%H:%M} 前主要领导签字为按时",
        )
    if week.rate is None:
        return missing("reporting_rate", "本周按时签报率", "本周没有应报单位", url=url)
    tone = "ok" if week.rate >= 95 else "warn" if week.rate >= 80 else "bad"
    return Figure(
        key="reporting_rate",
        label="本周按时签报率",
        value=week.rate,
        unit="%",
        tone=tone,
        url=url,
        detail=f"{week.period}，迟报/未报 {len(week.late_units)} 个单位",
    )


def headline_figures(
    scope: OrgUnit, campaign: Campaign | None, on: dt.date, week, backlog=None, own_scope=True
) -> list[Figure]:
    figures = [reporting_figure(week)]
    figures.append(cases_figure(scope, on, backlog, own_scope))
    return figures


def cases_figure(scope: OrgUnit, on: dt.date, backlog=None, own_scope: bool = True) -> Figure:
    """Open cases past their limit; drills to the backlog page (the same function, same moment)
    for the user's own scope, else to the case list filtered to the town's overdue cases."""
    label = "超期未办结问题"
    backlog = backlog if backlog is not None else sources.cases_figures(scope, on)
    if isinstance(backlog, sources.Unavailable):
        return missing("cases_overdue", label, backlog)
    url = ""
    if on == clock.today():
        if own_scope:
            url = url_or_blank("cases:backlog")
        elif scope.level != Level.COUNTY:
            url = url_or_blank("cases:home")
            url = f"{url}?overdue=on&town={scope.code[:9]}" if url else ""
    return Figure(
        key="cases_overdue",
        label=label,
        value=backlog.overdue,
        tone="ok" if backlog.overdue == 0 else "bad",
        url=url,
        detail=f"在办 {backlog.open} 件，暂存 {backlog.parked} 件",
    )


def trends_for(scope: OrgUnit, campaign: Campaign | None, on: dt.date) -> list[Trend]:
    timeliness = sources.timeliness_trend(campaign, scope, on)
    if isinstance(timeliness, sources.Unavailable):
        timeliness_trend = Trend("timeliness", "按时签报率（周）", "%", reason=timeliness)
    else:
        timeliness_trend = Trend("timeliness", "按时签报率（周）", "%", *timeliness)
    return [
        timeliness_trend,
        milestone_trend(scope, campaign, on),
    ]


def milestone_trend(
    scope: OrgUnit, campaign: Campaign | None, on: dt.date, weeks: int = 16
) -> Trend:
    """plan.milestones_done_rate at the end of each week since the campaign began."""
    trend = Trend("milestones", "时间节点完成率（周）", "%")
    if campaign is None:
        trend.reason = sources.NO_CAMPAIGN
        return trend
    start = campaign.issued_on or campaign.created_at.date()
    days = []
    day = on
    while day >= start and len(days) < weeks:
        days.append(day)
        day = day - dt.timedelta(days=7)
    if not days:
        trend.reason = "作战计划尚未开始"
        return trend
    target = scope if scope.level != Level.TOWN else town_unit(scope) or scope
    fingerprint = plan_fingerprint(campaign)
    for day in reversed(days):
        value = past_metric_value("plan.milestones_done_rate", target, day, fingerprint)
        if value.value is None and value.reason == sources.PLAN_PENDING:
            trend.reason = value.reason
            return trend
        trend.labels.append(month_day(day))
        trend.values.append(float(value.value) if value.value is not None else None)
    return trend


def plan_fingerprint(campaign: Campaign) -> str:
    """Changes whenever a measurement or a milestone of the campaign changes (cache key part)."""
    from django.db.models import Max

    from tuopin.plan.models import Measurement, Milestone

    measured = Measurement.objects.filter(milestone__action__campaign=campaign).aggregate(
        n=Count("pk"), last=Max("pk")
    )
    marked = Milestone.objects.filter(action__campaign=campaign).aggregate(
        n=Count("pk"), last=Max("pk"), done=Max("completed_at"), edited=Count("completed_at")
    )
    return f"{campaign.pk}:{measured['n']}:{measured['last']}:{marked['n']}:{marked['last']}:{marked['done']}:{marked['edited']}"


def past_metric_value(key: str, scope, day: dt.date, fingerprint: str):
    """A metric at the end of a past day, cached until the plan's data changes; today is live."""
    from django.core.cache import cache

    if day >= clock.today():
        return sources.metric_value(key, scope, day, sources.PLAN_PENDING)
    import hashlib

    identity = f"{key}|{type(scope).__name__}|{scope.pk}|{day.isoformat()}|{fingerprint}"
    cache_key = "dashboard-metric-" + hashlib.sha256(identity.encode()).hexdigest()
    value = cache.get(cache_key)
    if value is None:
        value = sources.metric_value(key, scope, day, sources.PLAN_PENDING)
        if value.reason != sources.PLAN_PENDING:
            cache.set(cache_key, value, 3600)
    return value


def town_unit(town: OrgUnit):
    from tuopin.org.models import ResponsibleUnit, UnitKind

    return ResponsibleUnit.objects.filter(kind=UnitKind.TOWN, org_unit=town).first()


def visible_crumbs(scope: OrgUnit, user) -> list[OrgUnit]:
    ancestors = scope.ancestors()
    if user.is_superuser or user.scope_id is None:
        return ancestors
    top = user.scope.code
    return [a for a in ancestors if a.code.startswith(top)]


def build_board(scope: OrgUnit, user, on: dt.date, notices: list[str] | None = None) -> Board:
    campaign = sources.campaign_for(scope)
    statuses = sources.milestone_statuses(campaign, on)
    scoped = (
        statuses if scope.level == Level.COUNTY else sources.milestone_statuses(campaign, on, scope)
    )
    actions, actions_reason = action_cells(campaign, on, statuses)
    week = sources.reporting_week(campaign, scope, on)
    base = village_counts(scope.code) if scope.level != Level.VILLAGE else None
    # The county's case figures are the sum of its per-town breakdown (one backlog pass).
    cases_rows = sources.cases_by_town(scope, on) if scope.level == Level.COUNTY else None
    backlog = sources.cases_total(cases_rows, on) if cases_rows is not None else None
    return Board(
        scope=scope,
        on=on,
        campaign=campaign,
        crumbs=visible_crumbs(scope, user),
        notices=list(notices or []),
        phases=phase_figures(campaign, on),
        headline=headline_figures(
            scope,
            campaign,
            on,
            week,
            backlog,
            own_scope=scope.pk == getattr(user, "scope_id", None),
        ),
        exit_placeholders=exit_placeholders(scope, base),
        milestones=milestone_figures(scope, scoped, on),
        actions=actions,
        actions_reason=actions_reason,
        late_units=week.late_units
        if isinstance(week, sources.ReportingWeek) and week.due
        else None,
        ranking=ranking_for(scope, user, on, campaign, cases_rows, base),
        trends=trends_for(scope, campaign, on),
        checks=data_checks(scope, campaign, on),
    )


def data_checks(scope: OrgUnit, campaign: Campaign | None, on: dt.date) -> list:
    """Milestones typed by units and computed by the system whose numbers disagree (county)."""
    if campaign is None or scope.level != Level.COUNTY:
        return []
    from tuopin.plan import indicators

    return indicators.largest_gaps(campaign, on, stored=True)
