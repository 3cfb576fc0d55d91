"""Compose a week's bulletin from live data into a plain-JSON snapshot.

The snapshot is everything the page and the document show, already counted and labelled, so a
published issue can be rendered again years later without touching the data it came from. The
figures are read through the owning apps' documented functions (plan progress, report
timeliness, assessment and case backlogs); this module only arranges them.

Time: the snapshot is taken *as of* the earlier of now and the end of the week, so a bulletin
for a past week shows that week's milestone statuses and values (reported timeliness is the
reports app's final verdict for the week).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Subquery

from tuopin.bulletin import sections
from tuopin.bulletin.models import Bulletin, BulletinSettings, Status
from tuopin.bulletin.weeks import Week, WeekError
from tuopin.bulletin.wording import STATUS_LABELS, chinese_date, number, short_date
from tuopin.lib import clock
from tuopin.org.models import Level, OrgUnit, ResponsibleUnit, UnitKind
from tuopin.plan.models import Action, Campaign, Comparator, Milestone, Per

SCHEMA = 1
WEEKS_BEFORE_START = (
    8  # a bulletin this far before the campaign says "not started"; earlier: refused
)
WEEKS_AFTER_END = 4  # weeks after the last phase still accepted (the closing bulletins)
HISTORY_WEEKS = 8  # weeks shown in the timeliness chart
ACTION_STATUSES = ["done", "on_track", "at_risk", "overdue", "not_started", "unknown"]
PERCENT_UNITS = {"%", "％"}


class ComposeError(ValueError):
    """The bulletin cannot be composed for this input; the message says why, in Chinese."""


def _plain(value: Any) -> Any:
    """Decimals as JSON numbers (ints when whole), so the snapshot is plain JSON."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def campaign_span(campaign: Campaign) -> tuple[dt.date, dt.date | None]:
    phases = list(campaign.phases.all())
    start_candidates = [phase.start for phase in phases]
    if campaign.issued_on:
        start_candidates.append(campaign.issued_on)
    start = min(start_candidates) if start_candidates else clock.local(campaign.created_at).date()
    end = max((phase.end for phase in phases), default=None)
    return start, end


def check_week(campaign: Campaign, week: Week | str) -> Week:
    """The week, or a Chinese refusal when it is malformed or outside the campaign."""
    if isinstance(week, str):
        week = Week.parse(week)
    start, end = campaign_span(campaign)
    earliest = Week.of(start).shift(-WEEKS_BEFORE_START)
    if week < earliest:
        raise WeekError(
            f"周次 {week} 早于作战计划《{campaign.title}》开始时间（{chinese_date(start)}）"
            f"{WEEKS_BEFORE_START}周以上，无法生成通报：请选择 {earliest} 及以后的周次"
        )
    if end is not None:
        latest = Week.of(end).shift(WEEKS_AFTER_END)
        if week > latest:
            raise WeekError(
                f"周次 {week} 已超出作战计划《{campaign.title}》的实施期（最后阶段于"
                f"{chinese_date(end)}结束），无法生成通报：请选择 {latest} 及以前的周次"
            )
    return week


def refuse_future(week: Week, now: dt.datetime) -> None:
    """A week that has not begun has nothing to report: composing it would only mislead."""
    current = Week.of(clock.local(now).date())
    if week > current:
        raise WeekError(
            f"周次 {week}（{week.label}）尚未开始，不能提前生成或发布通报："
            f"本周为 {current}（{current.label}），请选择本周或以前的周次"
        )


def compose(
    campaign: Campaign, week: Week | str, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The snapshot of ``week`` for ``campaign`` (a draft: no number yet)."""
    week = check_week(campaign, week)
    now = now or clock.now()
    refuse_future(week, now)
    week_end = clock.end_of_day(week.sunday)
    as_of = min(now, week_end)
    settings = BulletinSettings.for_campaign(campaign)
    start, end = campaign_span(campaign)
    period_label = f"{week.year}年第{week.number}周（{week.label}）"
    snapshot: dict[str, Any] = {
        "schema": SCHEMA,
        "week": str(week),
        "week_start": week.monday.isoformat(),
        "week_end": week.sunday.isoformat(),
        "period_label": period_label,
        "as_of": as_of.isoformat(),
        "date": as_of.date().isoformat(),
        "number": None,
        "version": 1,
        "number_label": "（草稿）",
        "masthead": settings.title,
        "issuer": settings.issuer,
        "title": f"关于{period_label}脱贫攻坚工作进展情况的通报",
        "campaign": {
            "id": campaign.pk,
            "title": campaign.title,
            "county": campaign.county.name,
            "start": start.isoformat(),
            "end": end.isoformat() if end else None,
            "goals": _goals(campaign, as_of),
        },
        "state": "ok",
        "notice": "",
    }
    actions = _actions(campaign, as_of)
    snapshot["actions"] = actions
    snapshot["headline"] = _headline(actions, week)
    snapshot["timeliness"] = sections.timeliness(campaign, week, as_of)
    snapshot["headline"]["reports"] = {
        key: len(snapshot["timeliness"].get(key) or [])
        for key in ("on_time", "late", "missing", "exempt")
    }
    snapshot["problems"] = sections.problems(campaign, week, as_of)
    snapshot["assessment"] = sections.assessment(campaign, week, as_of)
    snapshot["data_checks"] = sections.data_checks(campaign, as_of)
    snapshot["backlog"] = sections.backlog(campaign, week, as_of)
    snapshot["measures"] = sections.measures(campaign, week, as_of)
    snapshot["projects"] = sections.projects(campaign, week, as_of)
    previous = previous_published(campaign, week)
    previous_snapshot = previous.snapshot if previous is not None else None
    snapshot["town_metrics"], snapshot["towns"] = _towns(
        campaign, snapshot, as_of, previous_snapshot
    )
    snapshot["town_ranking_note"] = (
        "综合得分为各项指标得分的平均值（满分100）：周报按时率、节点完成度"
        + ("、超期问题（满分100，每件扣10分）" if snapshot["backlog"].get("available") else "")
        + "；“较上周”为与上期通报相比名次的变化。"
    )
    snapshot["changes"] = _changes(snapshot, previous)
    if as_of.date() < start:
        snapshot["state"] = "not_started"
        snapshot["notice"] = (
            f"作战计划《{campaign.title}》于{chinese_date(start)}开始实施，"
            f"{period_label}尚未开始，本期无进展数据。"
        )
    elif snapshot["timeliness"].get("period") is None:
        snapshot["state"] = "no_reports"
        snapshot["notice"] = f"{period_label}尚无周报填报周期，本期暂无各单位报送的数据。"
    elif not (snapshot["timeliness"]["on_time"] or snapshot["timeliness"]["late"]):
        snapshot["state"] = "no_reports"
        snapshot["notice"] = (
            f"截至{chinese_date(as_of.date())}{as_of:%H:%M}，{period_label}尚无单位签字报送周报。"
        )
    return snapshot


def _goals(campaign: Campaign, as_of: dt.datetime) -> list[dict[str, Any]]:
    from tuopin.lib import metrics

    goals: list[dict[str, Any]] = []
    by_text: dict[str, dict[str, Any]] = {}
    for goal in campaign.goals.all():
        # A sentence with two numbers ("62个贫困村退出7项指标全部达标") is two goals in the plan
        # but one line in the bulletin: the first number that has a measure, else the first.
        shown = by_text.get(goal.text)
        if shown is not None and (shown["current"] is not None or not goal.metric_key):
            continue
        current = None
        if goal.metric_key:
            try:
                current = metrics.evaluate(goal.metric_key, campaign.county, as_of.date()).value
            except metrics.UnknownMetric:
                current = None
        row = {
            "text": goal.text,
            "value": _plain(goal.value),
            "unit": goal.unit,
            "current": _plain(current),
        }
        if shown is not None:
            shown.update(row)
            continue
        by_text[goal.text] = row
        goals.append(row)
    return goals


def _target_label(milestone: Milestone) -> str:
    if milestone.target_value is None:
        return "按期完成"
    prefix = {
        Comparator.AT_MOST: "≤",
        Comparator.AT_LEAST: "≥",
        Comparator.MORE_THAN: "≥",
    }.get(milestone.comparator, "")
    per = {Per.TOWN: "每镇", Per.VILLAGE: "每村", Per.HOUSEHOLD: "每户"}.get(milestone.per, "")
    value = _plain(milestone.target_value)
    return f"{per}{prefix}{number(value)}{milestone.target_unit}"


def _actions(campaign: Campaign, as_of: dt.datetime) -> list[dict[str, Any]]:
    actions = list(
        Action.objects.filter(campaign=campaign)
        .prefetch_related(
            "leaders",
            Prefetch("milestones", queryset=Milestone.objects.order_by("deadline", "order")),
        )
        .order_by("number")
    )
    unit_names: dict[int, list[str]] = defaultdict(list)
    for action_id, name in (
        Action.units.through.objects.filter(action__campaign=campaign)
        .order_by(
            "responsibleunit__kind", "responsibleunit__org_unit__code", "responsibleunit__name"
        )
        .values_list("action_id", "responsibleunit__name")
    ):
        unit_names[action_id].append(name)
    progress = sections.milestone_progress(campaign, as_of)
    action_states = sections.action_statuses(campaign, as_of, progress)
    rows = []
    for action in actions:
        milestones = []
        for milestone in action.milestones.all():
            state = progress.get(milestone.pk, {})
            status = state.get("status", "not_started")
            milestones.append(
                {
                    "id": milestone.pk,
                    "text": milestone.text,
                    "deadline": clock.local(milestone.deadline).isoformat(),
                    "target": _plain(milestone.target_value),
                    "target_unit": milestone.target_unit,
                    "target_label": _target_label(milestone),
                    "latest": _plain(state.get("latest")),
                    "status": status,
                    "status_label": STATUS_LABELS.get(status, status),
                    "forecast": state.get("forecast"),
                    "forecast_label": state.get("forecast_label") or "",
                }
            )
        status = action_states.get(action.pk, "not_started")
        title = action.title
        rows.append(
            {
                "id": action.pk,
                "number": action.number,
                "title": title,
                "short_title": title.removesuffix("专项行动")[:10],
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "leaders": [p.display_name for p in action.leaders.all()]
                or ([action.leaders_text] if action.leaders_text else []),
                "units": unit_names.get(action.pk, []),
                "milestones": milestones,
            }
        )
    return rows


def _headline(actions: list[dict[str, Any]], week: Week) -> dict[str, Any]:
    counts = {status: 0 for status in ACTION_STATUSES}
    for action in actions:
        counts[action["status"] if action["status"] in counts else "not_started"] += 1
    this_week = (week.monday, week.sunday)
    next_week = (week.shift(1).monday, week.shift(1).sunday)

    def due(span: tuple[dt.date, dt.date]) -> list[dict[str, Any]]:
        return [
            {
                "action_number": action["number"],
                "action_title": action["title"],
                "text": m["text"],
                "deadline": m["deadline"],
                "deadline_label": short_date(m["deadline"]),
                "status": m["status"],
                "status_label": m["status_label"],
            }
            for action in actions
            for m in action["milestones"]
            if span[0] <= dt.date.fromisoformat(m["deadline"][:10]) <= span[1]
        ]

    milestone_counts = {status: 0 for status in ACTION_STATUSES}
    for action in actions:
        for m in action["milestones"]:
            if m["status"] in milestone_counts:
                milestone_counts[m["status"]] += 1
    return {
        "actions": counts,
        "milestones": milestone_counts,
        "due_this_week": due(this_week),
        "due_next_week": due(next_week),
    }


def previous_published(campaign: Campaign, week: Week) -> Bulletin | None:
    """The newest published (and not since corrected) issue for a week before ``week``."""
    return (
        Bulletin.objects.filter(
            campaign=campaign,
            status=Status.PUBLISHED,
            week__lt=str(week),
            replaced_by__isnull=True,
        )
        .order_by("-week", "-version")
        .first()
    )


def _towns(
    campaign: Campaign,
    snapshot: dict[str, Any],
    as_of: dt.datetime,
    previous: dict[str, Any] | None,
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Rank the towns on the key metrics; movement is against the previous issue's ranks."""
    towns = list(
        OrgUnit.objects.filter(parent=campaign.county, level=Level.TOWN, is_active=True).order_by(
            "code"
        )
    )
    if not towns:
        return [], []
    on_time = snapshot["timeliness"].get("town_on_time_rates") or {}
    progress = _town_progress(campaign, towns, as_of)
    with_cases = bool(snapshot["backlog"].get("available"))
    overdue_cases = snapshot["backlog"].get("by_town") or {}
    metrics_used = [
        {"key": "on_time_rate", "name": "周报按时率", "unit": "%"},
        {"key": "progress", "name": "节点完成度", "unit": "%"},
    ]
    if with_cases:
        metrics_used.append({"key": "overdue_cases", "name": "超期问题", "unit": "件"})
    rows = []
    for town in towns:
        values: dict[str, Any] = {
            "on_time_rate": on_time.get(town.code),
            "progress": progress.get(town.code),
        }
        scores = [v for v in (values["on_time_rate"], values["progress"]) if v is not None]
        if with_cases:
            values["overdue_cases"] = overdue_cases.get(town.code, 0)
            scores.append(max(0.0, 100.0 - 10.0 * values["overdue_cases"]))
        score = round(sum(scores) / len(scores), 1) if scores else 0.0
        rows.append({"code": town.code, "name": town.name, "score": score, "metrics": values})
    rows.sort(key=lambda row: (-row["score"], row["code"]))
    previous_ranks = {t["code"]: t["rank"] for t in (previous or {}).get("towns", [])}
    for position, row in enumerate(rows, start=1):
        # Equal scores share a rank (1, 2, 2, 4).
        if position > 1 and row["score"] == rows[position - 2]["score"]:
            row["rank"] = rows[position - 2]["rank"]
        else:
            row["rank"] = position
        before = previous_ranks.get(row["code"])
        row["previous_rank"] = before
        row["movement"] = None if before is None else before - row["rank"]
    return metrics_used, rows


def _ratio(value: Decimal, milestone: Milestone) -> float:
    target = milestone.target_value
    if milestone.comparator == Comparator.AT_MOST:
        if value <= target:
            return 1.0
        return float(target / value) if value else 1.0
    if not target:
        return 1.0
    return min(1.0, float(value / target))


def _town_progress(
    campaign: Campaign, towns: list[OrgUnit], as_of: dt.datetime
) -> dict[str, float | None]:
    """Each town's mean progress (0–100) over the milestones its town unit must report.

    Only targets that compare across towns count: per-town/village/household targets and
    percentages; a county total is not divided among towns. An unreported milestone counts 0.
    The latest value per (milestone, town) is picked in the database (a grouped, indexed lookup), so
    a province's history of measurements is never pulled into Python.
    """
    from tuopin.plan.models import Measurement

    town_units = dict(
        ResponsibleUnit.objects.filter(kind=UnitKind.TOWN, org_unit__in=towns).values_list(
            "pk", "org_unit__code"
        )
    )
    comparable = {
        m.pk: m
        for m in Milestone.objects.filter(action__campaign=campaign, target_value__isnull=False)
        if m.per != Per.TOTAL or m.target_unit in PERCENT_UNITS
    }
    if not comparable or not town_units:
        return {town.code: None for town in towns}
    milestones_by_action: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in comparable.values():
        milestones_by_action[milestone.action_id].append(milestone)
    rows = Measurement.objects.filter(
        milestone_id__in=list(comparable),
        unit__kind=UnitKind.TOWN,
        unit__org_unit__in=towns,
        measured_at__lte=as_of,
    ).order_by()
    newest_id = (
        Measurement.objects.filter(
            milestone_id=OuterRef("milestone_id"),
            unit_id=OuterRef("unit_id"),
            measured_at__lte=as_of,
        )
        .order_by("-measured_at", "-id")
        .values("id")[:1]
    )
    # One row per (milestone, town) group, then its newest measurement through the index.
    newest = (
        rows.values("milestone_id", "unit_id")
        .annotate(rows=Count("id"))
        .annotate(newest=Subquery(newest_id))
        .values("newest")
    )
    ranked = (
        Measurement.objects.filter(pk__in=newest)
        .order_by()
        .values_list("milestone_id", "unit_id", "value")
    )
    latest = {(milestone_id, unit_id): value for milestone_id, unit_id, value in ranked}
    ratios: dict[int, list[float]] = defaultdict(list)
    for action_id, unit_id in Action.units.through.objects.filter(
        action_id__in=list(milestones_by_action), responsibleunit_id__in=list(town_units)
    ).values_list("action_id", "responsibleunit_id"):
        for milestone in milestones_by_action[action_id]:
            value = latest.get((milestone.pk, unit_id))
            ratios[unit_id].append(0.0 if value is None else _ratio(value, milestone))
    by_code = {town_units[unit_id]: values for unit_id, values in ratios.items()}
    return {
        town.code: round(100 * sum(by_code[town.code]) / len(by_code[town.code]), 1)
        if by_code.get(town.code)
        else None
        for town in towns
    }


def _changes(snapshot: dict[str, Any], previous: Bulletin | None) -> dict[str, Any]:
    """What moved since the previous published issue, as Chinese sentences."""
    if previous is None:
        return {"previous": None, "items": []}
    before = previous.snapshot
    items: list[str] = []
    before_actions = {a["number"]: a for a in before.get("actions", [])}
    for action in snapshot["actions"]:
        old = before_actions.get(action["number"])
        if old is not None and old["status"] != action["status"]:
            items.append(
                f"（{action['number']}）{action['title']}由“{STATUS_LABELS.get(old['status'], old['status'])}”"
                f"变为“{action['status_label']}”"
            )
    before_done = {
        m["id"] for a in before.get("actions", []) for m in a["milestones"] if m["status"] == "done"
    }
    newly_done = [
        m
        for a in snapshot["actions"]
        for m in a["milestones"]
        if m["status"] == "done" and m["id"] not in before_done
    ]
    # Each town's move is in the ranking table's 较上周 column; here only how many moved.
    moved = sum(1 for town in snapshot["towns"] if town.get("movement"))
    if moved:
        items.append(f"{moved}个镇排名有变化（见各镇排名）")
    if newly_done:
        items.append(f"新完成时间节点{len(newly_done)}个")
    old_t, new_t = before.get("timeliness") or {}, snapshot["timeliness"]
    for key, label in (("on_time", "按时报送"), ("late", "迟报"), ("missing", "未报")):
        if key in old_t and key in new_t and len(old_t[key]) != len(new_t[key]):
            a, b = len(old_t[key]), len(new_t[key])
            items.append(f"{label}单位由{a}个{'增至' if b > a else '减至'}{b}个")
    return {
        "previous": {
            "id": previous.pk,
            "number": previous.number,
            "number_label": previous.number_label,
            "week": previous.week,
        },
        "items": items,
        "town_moves": [
            {"name": t["name"], "movement": t["movement"]}
            for t in snapshot["towns"]
            if t.get("movement")
        ],
    }
