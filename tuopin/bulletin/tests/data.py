"""A small campaign with weeks of signed reports on the test ``world``, built directly in bulk.

Per period *n* (deadline Friday 12:00; period 1 = 2018-W24, period 6 = 2018-W29):
- 县交通局 signs on time; reports 道路 at 60 + 5n %;
- 县卫计局 signs two hours late; reports 卫生室 3n;
- 城关镇 signs on time with a problem and a suggestion; 示范点 1 from period 3; its period-3
  report is corrected and signed again after signing;
- 东风镇 signs on time in odd periods and misses even ones;
- 县脱贫办 signs on time, but is exempt in period 2.
Periods whose lock has not passed and that nobody signed are left as the reports app leaves them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tuopin.lib import clock
from tuopin.org.models import OrgUnit, ResponsibleUnit
from tuopin.plan.models import Action, Campaign, Goal, Measurement, Milestone, Phase

NOW = "2018-07-20T16:00:00+08:00"
WEEK = "2018-W29"


def build_campaign(county: OrgUnit, units: dict[str, ResponsibleUnit]) -> Campaign:
    """Three actions of the seed plan: 党建引领 (1), 健康扶贫 (13), 村组道路 (19)."""
    campaign = Campaign.objects.create(
        title="陇县脱贫“摘帽”百日冲刺工作方案",
        issuer="陇县脱贫攻坚领导小组办公室",
        issued_on=dt.date(2018, 6, 11),
        county=county,
        created_at=clock.at(dt.date(2018, 6, 11), 9),
    )
    Phase.objects.create(
        campaign=campaign, name="决战决胜阶段", start=dt.date(2018, 5, 1), end=dt.date(2018, 8, 31)
    )
    Phase.objects.create(
        campaign=campaign,
        name="任务清零阶段",
        start=dt.date(2018, 9, 1),
        end=dt.date(2018, 9, 30),
        order=1,
    )
    Goal.objects.create(
        campaign=campaign, text="62个建档立卡贫困村退出7项指标全部达标", value=62, unit="个"
    )
    towns = [units["chengguan"], units["dongfeng"]]
    specs = [
        (1, "党建引领专项行动", [units["office"], *towns], "葛管社",
         dict(deadline=dt.date(2018, 7, 31), text="每镇至少建立1个“基层党组织+”脱贫攻坚工作示范点",
              target_value=1, target_unit="个", comparator="at_least", per="town")),
        (13, "实施健康扶贫专项行动", [units["health"], *towns], "赵强",
         dict(deadline=dt.date(2018, 8, 31), text="完成35个标准化卫生室建设",
              target_value=35, target_unit="个", comparator="at_least", per="total")),
        (19, "村组道路畅通专项行动", [units["transport"], *towns], "分管交通运输副县长",
         dict(deadline=dt.date(2018, 9, 30), text="全县所有行政村通沥青（水泥路）",
              target_value=100, target_unit="%", comparator="all", per="total")),
    ]  # fmt: skip
    for number, title, action_units, leader, milestone in specs:
        action = Action.objects.create(
            campaign=campaign, number=number, title=title, leaders_text=leader
        )
        action.units.set(action_units)
        deadline = milestone.pop("deadline")
        Milestone.objects.create(
            action=action,
            deadline=clock.end_of_day(deadline),
            metric_key=f"plan.{number}.0",
            **milestone,
        )
    return campaign


def world_units(world) -> dict[str, ResponsibleUnit]:
    return {
        "office": world.office,
        "transport": world.transport,
        "health": world.health,
        "chengguan": world.chengguan_unit,
        "dongfeng": world.dongfeng_unit,
    }


def _payload(campaign: Campaign, values: dict[int, Decimal], texts: dict[str, str]) -> dict:
    milestones = {
        m.action.number: m
        for m in Milestone.objects.filter(action__campaign=campaign).select_related("action")
    }
    actions = []
    for number, value in values.items():
        milestone = milestones[number]
        actions.append(
            {
                "action": milestone.action_id,
                "progress": "按计划推进",
                "problems": texts.get("problems", ""),
                "suggestions": texts.get("suggestions", ""),
                "milestones": [
                    {"milestone": milestone.pk, "value": f"{value:.2f}", "status": "in_progress"}
                ],
            }
        )
    return {"actions": actions}


def fill_reports(campaign: Campaign, units: dict[str, ResponsibleUnit], now: dt.datetime) -> None:
    """Create the periods up to ``now`` and sign reports in the pattern the module describes."""
    from tuopin.reports.models import Report, ReportVersion, Timeliness
    from tuopin.reports.periods import ensure_periods

    ensure_periods(campaign, now)
    milestones = {
        m.action.number: m
        for m in Milestone.objects.filter(action__campaign=campaign).select_related("action")
    }
    reports = Report.objects.filter(period__campaign=campaign).select_related("period", "unit")
    by_unit = {unit.pk: key for key, unit in units.items()}
    measurements = []
    for report in reports:
        n = report.period.number
        key = by_unit[report.unit_id]
        deadline = report.deadline
        if key == "office" and n == 2:
            report.timeliness = Timeliness.EXEMPT
            report.exception_reason = "集中开会，经批准免报"
            report.save(update_fields=["timeliness", "exception_reason"])
            continue
        if key == "dongfeng" and n % 2 == 0:
            if now >= report.closes_at:
                report.timeliness = Timeliness.MISSING
            elif now >= deadline:
                report.timeliness = Timeliness.OVERDUE
            report.save(update_fields=["timeliness"])
            continue
        signed_at = deadline + (dt.timedelta(hours=2) if key == "health" else -dt.timedelta(days=1))
        if signed_at > now:
            continue
        values: dict[int, Decimal] = {}
        texts: dict[str, str] = {}
        if key == "transport":
            values = {19: Decimal(60 + 5 * n)}
        elif key == "health":
            values = {13: Decimal(3 * n)}
        elif key == "chengguan":
            values = {1: Decimal(1 if n >= 3 else 0), 13: Decimal(n), 19: Decimal(70 + 3 * n)}
            texts = {
                "problems": f"第{n}周：部分村组道路施工进度滞后",
                "suggestions": "建议县交通局加快油返砂项目审批",
            }
        elif key == "dongfeng":
            values = {1: Decimal(1 if n >= 5 else 0)}
        version = ReportVersion.objects.create(
            report=report,
            number=1,
            status="signed",
            payload=_payload(campaign, values, texts),
            created_at=signed_at - dt.timedelta(hours=3),
            updated_at=signed_at - dt.timedelta(hours=3),
            submitted_at=signed_at - dt.timedelta(hours=1),
            signed_at=signed_at,
            content_hash="0" * 64,
        )
        current = version
        changed = False
        if key == "chengguan" and n == 3:
            corrected_at = signed_at + dt.timedelta(days=1, hours=2)
            values = {**values, 19: Decimal(80)}
            current = ReportVersion.objects.create(
                report=report,
                number=2,
                status="signed",
                payload=_payload(campaign, values, texts),
                based_on=version,
                created_at=corrected_at,
                updated_at=corrected_at,
                submitted_at=corrected_at,
                signed_at=corrected_at + dt.timedelta(minutes=30),
                content_hash="1" * 64,
            )
            changed = True
        report.status = "signed"
        report.current_version = current
        report.first_signed_at = signed_at
        report.timeliness = Timeliness.ON_TIME if signed_at < deadline else Timeliness.LATE
        report.changed_after_signing = changed
        report.save(
            update_fields=[
                "status",
                "current_version",
                "first_signed_at",
                "timeliness",
                "changed_after_signing",
            ]
        )
        for number, value in values.items():
            measurements.append(
                Measurement(
                    milestone=milestones[number],
                    unit_id=report.unit_id,
                    value=value,
                    measured_at=current.signed_at,
                    source="report",
                    source_ref=str(current.pk),
                )
            )
    Measurement.objects.bulk_create(measurements)


def build(world, now: str = NOW) -> Campaign:
    moment = dt.datetime.fromisoformat(now)
    units = world_units(world)
    campaign = build_campaign(world.county, units)
    fill_reports(campaign, units, moment)
    return campaign
