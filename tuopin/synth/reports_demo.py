"""Demo data of the reports app: weekly report history from the plan's issue date to "now".

Every responsible unit of the demo campaign files a weekly report through the real actions
(save → submit → head signs → HQ receives), with the clock frozen at each step, so hashes,
events, timeliness and plan measurements are all real. Most units sign on time, some late, a
few miss a week; values move toward the targets at each unit's own speed; a few signed reports
are corrected afterwards (a new signed version). In the current week (the demo's "now" is
Friday 10:00, before the deadline) some units have signed, some wait for the head, some have
not started. Deterministic for a seed; a campaign that already has report versions is skipped.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from tuopin.lib import clock
from tuopin.org.models import OrgUnit, Role, User
from tuopin.plan.models import Campaign, Milestone
from tuopin.reports import actions, worker
from tuopin.reports import payload as content
from tuopin.reports.models import Period, Report, ReportVersion
from tuopin.reports.periods import ensure_periods, responsible_units

PROGRESS = [
    "本周召开专题推进会，逐村逐户核对任务清单，进度按计划推进。",
    "组织干部入户走访，完成信息核实，问题台账已建立并逐项销号。",
    "已完成阶段性任务，正在组织自查验收，资料同步归档。",
    "联合相关部门开展督导检查，发现问题已现场交办整改。",
    "项目施工队伍已进场，材料到位，按周排定工期推进。",
]
PROBLEMS = [
    "项目资金拨付进度偏慢，部分工程款未能按期支付。",
    "个别村群众参与积极性不高，入户宣传需要加强。",
    "连续降雨影响施工进度，部分路段停工。",
    "专业技术人员不足，资料审核进度受影响。",
    "部分贫困户信息与部门数据比对不一致，需要协调核实。",
]
SUGGESTIONS = [
    "建议县财政局加快项目资金拨付。",
    "建议指挥部协调相关部门联合督办。",
    "建议增派技术人员驻村指导。",
    "建议对进度滞后的村开展专项督查。",
    "建议统一数据比对口径，由县脱贫办牵头会商。",
]


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    campaigns = Campaign.objects.filter(county=county, is_active=True)
    if not campaigns.exists():
        log("周报：没有作战计划，跳过")
        return
    for campaign in campaigns:
        if ReportVersion.objects.filter(report__period__campaign=campaign).exists():
            log(f"周报：《{campaign.title}》已有周报历史，跳过")
            continue
        _populate_campaign(campaign, seed=seed, log=log)


def _people(campaign: Campaign) -> dict[int, tuple[User, User]]:
    people: dict[int, dict[str, User]] = {}
    for user in User.objects.filter(
        unit__in=responsible_units(campaign), role__in=[Role.UNIT_REPORTER, Role.UNIT_HEAD]
    ).order_by("id"):
        people.setdefault(user.unit_id, {}).setdefault(user.role, user)
    return {
        unit_id: (roles[Role.UNIT_REPORTER], roles[Role.UNIT_HEAD])
        for unit_id, roles in people.items()
        if Role.UNIT_REPORTER in roles and Role.UNIT_HEAD in roles
    }


def _populate_campaign(campaign: Campaign, *, seed: int, log: Callable[[str], None]) -> None:
    now = clock.now()
    # Seeded by the campaign's place among its county's campaigns (1 for the demo), not by its
    # database id: ids depend on what the database held before, and the story must not.
    place = Campaign.objects.filter(county=campaign.county_id, pk__lte=campaign.pk).count()
    rng = random.Random(f"{seed}:reports:{place}")
    ensure_periods(campaign, now)
    people = _people(campaign)
    hq = User.objects.filter(role=Role.HQ_ADMIN, scope=campaign.county).order_by("id").first()
    periods = list(Period.objects.filter(campaign=campaign).order_by("number"))
    units = [unit for unit in responsible_units(campaign) if unit.pk in people]
    skipped = responsible_units(campaign).count() - len(units)
    # Each unit has a pace toward its targets and a habit of reporting on time.
    pace = {unit.pk: rng.uniform(0.55, 1.25) for unit in units}
    habit = {unit.pk: rng.choice([0.97, 0.93, 0.9, 0.85, 0.75, 0.6]) for unit in units}
    counts = {"on_time": 0, "late": 0, "missing": 0, "changed": 0, "open": 0}
    values: dict[tuple[int, int], Decimal] = {}
    for period in periods:
        current = period.deadline > now
        for unit in units:
            reporter, head = people[unit.pk]
            report = Report.objects.get(period=period, unit=unit)
            fate = _fate(rng, habit[unit.pk], current)
            if fate == "missing":
                counts["missing"] += 1
                continue
            data = _content(rng, report, period, pace[unit.pk], values, periods)
            saved_at, submitted_at, signed_at = _times(rng, period, fate)
            if current and saved_at > now:
                continue
            with clock.frozen(saved_at):
                actions.save_report(reporter, report, data, revision=None)
            if fate == "draft" or (current and submitted_at > now):
                counts["open"] += 1
                continue
            with clock.frozen(submitted_at):
                actions.submit_report(reporter, report, revision=None)
            if fate == "submitted" or (current and signed_at > now):
                counts["open"] += 1
                continue
            with clock.frozen(signed_at):
                actions.sign_report(head, report, revision=None)
            counts["late" if fate == "late" else "on_time"] += 1
            if not current and rng.random() < 0.06:
                _correct(rng, report, reporter, head, signed_at, data)
                counts["changed"] += 1
            elif not current and hq is not None and rng.random() < 0.85:
                with clock.frozen(signed_at + dt.timedelta(hours=rng.randint(1, 20))):
                    actions.receive_report(hq, report, revision=None)
    worker.mark_overdue(now)
    worker.close_periods(now)
    log(
        f"周报：{len(periods)} 个周期、{len(units)} 个单位；按时 {counts['on_time']}、迟报 "
        f"{counts['late']}、漏报 {counts['missing']}、签字后更正 {counts['changed']}、本周未完成 "
        f"{counts['open']}" + (f"（{skipped} 个单位无填报账号，未生成）" if skipped else "")
    )


def _fate(rng: random.Random, habit: float, current: bool) -> str:
    roll = rng.random()
    if current:
        # Friday 10:00: about half signed already, the rest at various steps.
        if roll < 0.5:
            return "on_time"
        if roll < 0.68:
            return "submitted"
        if roll < 0.82:
            return "draft"
        return "missing"
    if roll < habit:
        return "on_time"
    if roll < habit + (1 - habit) * 0.7:
        return "late"
    return "missing"


def _times(rng: random.Random, period: Period, fate: str):
    deadline = period.deadline
    if fate == "late":
        signed = deadline + dt.timedelta(
            minutes=rng.randint(0, 40 * 60), seconds=rng.randint(0, 59)
        )
    else:
        signed = deadline - dt.timedelta(
            minutes=rng.randint(1, 30 * 60), seconds=rng.randint(0, 59)
        )
    submitted = signed - dt.timedelta(minutes=rng.randint(10, 180))
    saved = submitted - dt.timedelta(minutes=rng.randint(5, 600))
    saved = max(saved, period.opens_at + dt.timedelta(minutes=1))
    submitted = max(submitted, saved + dt.timedelta(minutes=1))
    signed = max(signed, submitted + dt.timedelta(minutes=1))
    return saved, submitted, signed


EXPLANATIONS = [
    "本单位按工程验收进度统计，档案数据为全部农户现状，口径不同。",
    "填报数为本周新完成工程占年度任务的比例，档案中已达标户含往年完成。",
    "按项目台账统计，与系统数据的差异已报县脱贫办核对。",
]


def _content(rng, report, period, pace, values, periods) -> dict:
    items = content.sections(report, None)
    weeks = len(periods) + 6  # the sprint runs about ten weeks past the demo's "now"
    for section in items:
        count = max(1, section.action.units.count())
        for row in section.milestones:
            milestone = row.milestone
            if milestone.target_value is None:
                done = (
                    milestone.completed_at is not None and milestone.completed_at <= period.deadline
                )
                row.status = (
                    "done" if done else rng.choice(["in_progress", "in_progress", "not_started"])
                )
                continue
            target = milestone.target_value
            counted = milestone.target_unit not in content.PERCENT_UNITS  # 个, 户, 人: whole
            if counted and milestone.per == "total":
                target = (target / count).to_integral_value(ROUND_CEILING)
            share = min(Decimal(1), Decimal(str(pace * period.number / weeks)))
            wobble = Decimal(str(rng.uniform(0.92, 1.04)))
            value = target * share * wobble
            value = (
                value.to_integral_value(ROUND_FLOOR)
                if counted
                else value.quantize(Decimal("0.01"), ROUND_HALF_UP)
            )
            if milestone.target_unit in content.PERCENT_UNITS:
                value = min(value, Decimal(100))
            key = (report.unit_id, milestone.pk)
            value = max(value, values.get(key, Decimal(0)))  # never goes backwards
            values[key] = value
            row.value = str(value)
            row.status = "done" if value >= target else ("behind" if pace < 0.75 else "in_progress")
            if row.computed is not None:  # typed beside a computed value: say why they differ
                row.explanation = rng.choice(EXPLANATIONS)
        section.progress = rng.choice(PROGRESS)
        section.problems = rng.choice(PROBLEMS) if rng.random() < 0.35 else ""
        section.suggestions = (
            rng.choice(SUGGESTIONS) if section.problems and rng.random() < 0.8 else ""
        )
    return content.to_payload(items)


def _correct(rng, report, reporter, head, signed_at, data) -> None:
    """A correction after signing: a new version with one value adjusted, signed again."""
    moment = signed_at + dt.timedelta(hours=rng.randint(2, 30))
    entry = data["actions"][0]
    entry["progress"] += "（更正：核实后补充本周新增完成量。）"
    for row in entry["milestones"]:
        if row["value"] is not None:
            value = Decimal(row["value"])
            percent = Milestone.objects.filter(
                pk=row["milestone"], target_unit__in=content.PERCENT_UNITS
            ).exists()
            corrected = (
                min(value * Decimal("1.02"), Decimal(100)).quantize(Decimal("0.01"))
                if percent
                else value + 1
            )
            row["value"] = str(corrected)
            break
    with clock.frozen(moment):
        actions.revise_report(reporter, report, revision=None)
        try:
            actions.save_report(reporter, report, data, revision=None)
        except actions.ReportError:
            # A percentage pushed past 100 by the correction: keep the signed values.
            report.refresh_from_db()
        actions.submit_report(reporter, report, revision=None)
    with clock.frozen(moment + dt.timedelta(minutes=rng.randint(20, 90))):
        actions.sign_report(head, report, revision=None)
