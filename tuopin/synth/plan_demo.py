"""Demo data of the plan app: the seed plan loaded through the parser into the demo county.

Deterministic and idempotent: a campaign with the seed's title in the county means "done".
Milestones without a numeric target that fell due before "now" are marked completed a few days
early, except one left overdue (chosen by the seed) so the demo shows a red item; numeric
progress comes from the units' weekly reports (reports_demo), not from here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from tuopin.lib import clock, planparse
from tuopin.org import audit
from tuopin.org.models import OrgUnit
from tuopin.plan import indicators
from tuopin.plan.actions import _deadline, load_campaign, refresh_computed
from tuopin.plan.models import Action, Campaign, Comparator, Goal, MetricSource, Milestone, Per

SEED_PLAN = Path(__file__).resolve().parents[1] / "plan" / "data" / "longxian_2018_bairichongci.txt"


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    text = SEED_PLAN.read_text(encoding="utf-8")
    parsed = planparse.parse(text)
    if Campaign.objects.filter(county=county, title=parsed["title"]).exists():
        log("作战计划已存在，跳过")
        return
    result = load_campaign(
        parsed,
        county,
        source="demo",
        source_name=SEED_PLAN.name,
        source_text=text,
        allow_unresolved=True,
    )
    campaign = result.campaign
    for warning in result.warnings:
        log(f"作战计划提示：{warning}")
    now = clock.now()
    rng = random.Random(f"{seed}:plan")
    past = list(
        Milestone.objects.filter(
            action__campaign=campaign, target_value=None, deadline__lt=now
        ).order_by("deadline", "action__number", "order")
    )
    left_overdue = rng.choice(past).pk if past else None
    completed = []
    for milestone in past:
        if milestone.pk == left_overdue:
            continue
        milestone.completed_at = milestone.deadline - dt.timedelta(
            days=rng.randint(1, 6), hours=rng.randint(0, 8)
        )
        completed.append(milestone)
    with transaction.atomic():
        Milestone.objects.bulk_update(completed, ["completed_at"])
    bind_indicators(campaign)
    refresh_computed(campaign)
    log(
        f"作战计划：{campaign.actions.count()} 个专项行动，"
        f"{Milestone.objects.filter(action__campaign=campaign).count()} 个时间节点已导入"
    )


# ---------------------------------------------------------------- indicators
# What HQ does on the 作战计划 pages after loading: every action gets an indicator, bundled
# milestones are split into what can be measured, and milestones and goals that the county's
# own data answers are bound to computed metrics (a few to both, so the gap shows).

COMPUTED, REPORTED, BOTH = MetricSource.COMPUTED, MetricSource.REPORTED, MetricSource.BOTH


def _part(text, deadline, value, unit, comparator, source=REPORTED, key="", per=Per.TOTAL):
    return {
        "text": text,
        "deadline": _deadline(deadline),
        "target_value": None if value is None else Decimal(value),
        "target_unit": unit if value is not None else "",
        "comparator": comparator if value is not None else "",
        "per": per,
        "metric_source": source,
        "metric_key": key,
    }


AT_LEAST, ALL, AT_MOST = Comparator.AT_LEAST, Comparator.ALL, Comparator.AT_MOST

ADDED = {
    2: [
        _part(
            "9月底前，各单位周报按时签报率不低于95%",
            "2018-09-30",
            95,
            "%",
            AT_LEAST,
            COMPUTED,
            "reports.on_time_rate",
        ),
        _part(
            "每位县级领导每月到包抓镇村调研督导不少于4次",
            "2018-09-30",
            4,
            "次",
            AT_LEAST,
            COMPUTED,
            "command.visits_per_leader",
        ),
        _part(
            "包抓镇14天内均有县级领导到镇调研，未到访的镇为0",
            "2018-09-30",
            0,
            "个",
            AT_MOST,
            COMPUTED,
            "command.towns_unvisited",
        ),
        _part(
            "指挥部领导坐班签到率不低于95%",
            "2018-09-30",
            95,
            "%",
            AT_LEAST,
            COMPUTED,
            "command.duty_days_kept",
        ),
    ],
    3: [
        _part(
            "6月底前，“四支队伍”在岗干部轮训参训率达到100%",
            "2018-06-30",
            100,
            "%",
            ALL,
            COMPUTED,
            "villages.trained_share",
        ),
        _part(
            "7月底前，评选表彰“四支队伍”优秀干部不少于10人",
            "2018-07-31",
            10,
            "人",
            AT_LEAST,
            COMPUTED,
            "villages.commended",
        ),
    ],
    4: [
        _part(
            "9月底前，新增贫困劳动力转移就业不少于1500人",
            "2018-09-30",
            1500,
            "人",
            AT_LEAST,
            BOTH,
            "jobs.able_workers_transferred",
        ),
        _part(
            "9月底前，公益性岗位、特设公岗在岗不少于240个",
            "2018-09-30",
            240,
            "个",
            AT_LEAST,
            COMPUTED,
            "jobs.posts_filled",
        ),
        _part(
            "9月底前，贫困劳动力技能培训（含“两后生”培训）不少于1000人",
            "2018-09-30",
            1000,
            "人",
            AT_LEAST,
            COMPUTED,
            "jobs.trained",
        ),
    ],
    5: [
        _part(
            "8月底前，错退风险户全部核实整改到位",
            "2018-08-31",
            0,
            "户",
            AT_MOST,
            COMPUTED,
            "assess.wrong_exit_risk",
        ),
        _part(
            "8月底前，漏评风险户全部核实纳入",
            "2018-08-31",
            0,
            "户",
            AT_MOST,
            COMPUTED,
            "assess.missed_risk",
        ),
    ],
    6: [
        _part(
            "8月底前，62个贫困村退出7项指标全部达标",
            "2018-08-31",
            62,
            "个",
            AT_LEAST,
            COMPUTED,
            "assess.villages_ready",
        ),
        _part(
            "8月底前，水电路等基础设施及标准化卫生室、易地扶贫搬迁、危房改造项目全部完工",
            "2018-08-31",
            0,
            "个",
            AT_MOST,
            COMPUTED,
            "projects.unfinished.goal",
        ),
        _part(
            "9月底前，兑付完项目资金（任务清零）",
            "2018-09-30",
            0,
            "万元",
            AT_MOST,
            COMPUTED,
            "funds.undisbursed",
        ),
    ],
    7: [
        _part(
            "7月底前，“回头看”发现的扶贫政策落实缺口全部补齐（缺口户为0）",
            "2018-07-31",
            0,
            "户",
            AT_MOST,
            COMPUTED,
            "households.policy_gaps",
        ),
    ],
    8: [
        _part(
            "9月底前，“七到户”各项全部完成的贫困户比例达到100%",
            "2018-09-30",
            100,
            "%",
            ALL,
            COMPUTED,
            "households.seven_complete_share",
        ),
        _part(
            "9月底前，建档立卡户未达退出标准户数清零",
            "2018-09-30",
            0,
            "户",
            AT_MOST,
            COMPUTED,
            "assess.households_failing",
        ),
    ],
    9: [
        _part(
            "7月底前，10个镇扶志扶智工作全部通过验收",
            "2018-07-31",
            10,
            "个",
            AT_LEAST,
            COMPUTED,
            "villages.fuzhi_towns",
        ),
    ],
    10: [
        _part(
            "问题线索“无积压”：超期未办结件为0",
            "2018-09-30",
            0,
            "件",
            AT_MOST,
            COMPUTED,
            "cases.overdue",
        ),
        _part(
            "问题线索“零暂存”：暂存件为0", "2018-09-30", 0, "件", AT_MOST, COMPUTED, "cases.parked"
        ),
        _part(
            "面对面会议领导交办事项超期未办结为0",
            "2018-09-30",
            0,
            "件",
            AT_MOST,
            COMPUTED,
            "cases.instructions_overdue",
        ),
    ],
    11: [
        _part(
            "9月底前，信访群众满意率不低于90%",
            "2018-09-30",
            90,
            "%",
            AT_LEAST,
            COMPUTED,
            "cases.petition_satisfaction",
        ),
        _part(
            "9月底前，矛盾纠纷村级化解率不低于80%（小事不出村）",
            "2018-09-30",
            80,
            "%",
            AT_LEAST,
            COMPUTED,
            "cases.disputes_village_share",
        ),
    ],
    12: [
        _part(
            "8月底前，全县120个村全部达到“三无一规范一眼净”标准",
            "2018-08-31",
            120,
            "个",
            AT_LEAST,
            COMPUTED,
            "villages.sanwu_passed",
        ),
    ],
    14: [
        _part(
            "9月底前，2018年计划脱贫户均有2个以上增收产业项目的比例达到100%",
            "2018-09-30",
            100,
            "%",
            ALL,
            COMPUTED,
            "households.cohort_2018_income_share",
        ),
        _part(
            "9月底前，彻底消除村集体经济“空壳村”",
            "2018-09-30",
            0,
            "个",
            AT_MOST,
            COMPUTED,
            "economy.hollow_villages",
        ),
        _part(
            "9月底前，120个村股份经济合作社全部登记运转",
            "2018-09-30",
            120,
            "个",
            AT_LEAST,
            COMPUTED,
            "economy.coops_registered",
        ),
    ],
    15: [
        _part(
            "9月底前，搬迁户全部验收、兑付、交钥匙并入住，“双超”全部化解",
            "2018-09-30",
            100,
            "%",
            ALL,
            COMPUTED,
            "relocation.complete_share",
        ),
        _part(
            "9月底前，有劳动能力的搬迁户家庭至少有一名劳动力稳定就业",
            "2018-09-30",
            0,
            "户",
            AT_MOST,
            COMPUTED,
            "jobs.relocated_without_worker",
        ),
    ],
    16: [
        _part(
            "6月底前，2018年危房改造和土坯房拆改任务竣工率100%",
            "2018-06-30",
            100,
            "%",
            ALL,
            COMPUTED,
            "renovation.completed_share",
        ),
        _part(
            "8月底前，2018年危房改造户全部达到入住条件",
            "2018-08-31",
            100,
            "%",
            ALL,
            COMPUTED,
            "renovation.habitable_share",
        ),
    ],
    17: [
        _part(
            "9月底前，农村自来水普及率达到90%以上",
            "2018-09-30",
            90,
            "%",
            AT_LEAST,
            COMPUTED,
            "registry.tap_water_household_rate",
        ),
        _part(
            "9月底前，农户饮水安全全部达标",
            "2018-09-30",
            100,
            "%",
            ALL,
            COMPUTED,
            "assess.water_pass_rate",
        ),
        _part(
            "9月底前，逐村出具饮水安全检测报告",
            "2018-09-30",
            100,
            "%",
            ALL,
            COMPUTED,
            "water.villages_tested_share",
        ),
        _part(
            "9月底前，逐户出具饮水安全检测报告",
            "2018-09-30",
            100,
            "%",
            ALL,
            COMPUTED,
            "water.households_tested_share",
        ),
    ],
}

SPLITS = {
    # 35 clinics built (the projects ledger) and fully up to standard (the clinic checklist).
    (13, 1): [
        _part(
            "8月底前完成35个标准化卫生室建设",
            "2018-08-31",
            35,
            "个",
            AT_LEAST,
            COMPUTED,
            "projects.completed.clinic",
        ),
        _part(
            "8月底前，按标准配齐医疗器械和常用药品、配强村医，35个标准化卫生室完全达标",
            "2018-08-31",
            35,
            "个",
            AT_LEAST,
            COMPUTED,
            "villages.clinics_standard",
        ),
    ],
    (18, 1): [
        _part(
            "9月底前，全县接通并正常使用生活用电的农户比例达到100%",
            "2018-09-30",
            100,
            "%",
            ALL,
            COMPUTED,
            "registry.household_electricity_rate",
        ),
        _part(
            "9月底前，30户以上自然村全部接通并正常使用动力电",
            "2018-09-30",
            100,
            "%",
            ALL,
            COMPUTED,
            "registry.power_natural_village_rate",
        ),
        _part(
            "9月底前，全面完成农村电网改造升级项目（未完工项目为0）",
            "2018-09-30",
            0,
            "个",
            AT_MOST,
            COMPUTED,
            "projects.unfinished.grid",
        ),
    ],
    (19, 1): [
        _part(
            "9月底前，实现全县所有行政村通沥青（水泥路）",
            "2018-09-30",
            100,
            "%",
            ALL,
            BOTH,
            "registry.paved_road_village_rate",
        ),
        _part(
            "9月底前，打通剩余“通组路”（道路项目未完工为0）",
            "2018-09-30",
            0,
            "个",
            AT_MOST,
            COMPUTED,
            "projects.unfinished.road",
        ),
        _part("9月底前，打通村与村、组与组之间的断头路", "2018-09-30", 100, "%", ALL),
    ],
    (15, 1): [
        _part(
            "9月底前，易地扶贫搬迁房建工程全部竣工并通过验收（未完工安置点为0）",
            "2018-09-30",
            0,
            "个",
            AT_MOST,
            COMPUTED,
            "projects.unfinished.relocation",
        ),
        _part("9月底前，搬迁户补助资金全部兑付到位", "2018-09-30", 100, "%", ALL),
        _part(
            "9月底前，集中安置交付钥匙、分散安置实际入住",
            "2018-09-30",
            100,
            "%",
            ALL,
            BOTH,
            "registry.relocation_moved_in_rate",
        ),
    ],
}

BOUND = {
    (16, 1): (COMPUTED, "registry.housing_appraisal_rate"),
    # 每镇至少1个示范点 (its target is per town) and 5个以上典型示范点: the village checks.
    (1, 1): (COMPUTED, "villages.demo_sites"),
    (1, 2): (COMPUTED, "villages.county_models"),
    # Typed by the units and computed from the household files: the gap shows.
    (14, 2): (BOTH, "households.base_linked_share"),
    (16, 4): (BOTH, "renovation.moved_in_share"),
}
GOALS = {"62个": "assess.villages_ready", "县“摘帽”7项": "assess.county_items_passing"}
# Each town's share of the 35 clinics (the towns with the most poor villages build most).
CLINIC_SHARES = [4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2]


def bind_indicators(campaign: Campaign) -> None:
    actions = {action.number: action for action in campaign.actions.all()}
    for number, parts in ADDED.items():
        for part in parts:
            indicators.add_milestone(actions[number], dict(part), actor=None)
    for (number, order), parts in SPLITS.items():
        bundle = Milestone.objects.filter(action=actions[number], order=order).first()
        if bundle is not None:
            indicators.split_milestone(bundle, [dict(part) for part in parts], actor=None)
    for (number, order), (source, key) in BOUND.items():
        milestone = Milestone.objects.filter(action=actions[number], order=order).first()
        if milestone is not None:
            Milestone.objects.filter(pk=milestone.pk).update(metric_source=source, metric_key=key)
    for goal in Goal.objects.filter(campaign=campaign):
        for prefix, key in GOALS.items():
            if (
                goal.text.startswith(prefix)
                and goal.unit in ("村", "项")
                and (key != "assess.villages_ready" or goal.unit == "村")
            ):
                indicators.bind_goal(goal, key, actor=None)
        if goal.metric_key == "" and goal.text.endswith("项目全部完工"):
            # "全部完工" counts the projects not yet finished: the goal is none left.
            audit.apply_changes(goal, {"value": Decimal(0), "unit": "个"}, actor=None)
            indicators.bind_goal(goal, "projects.unfinished.goal", actor=None)
    _clinic_targets(actions.get(13))


def _clinic_targets(action: Action | None) -> None:
    if action is None:
        return
    milestone = action.milestones.filter(target_unit="个").order_by("order").first()
    towns = list(
        action.units.filter(kind="town").select_related("org_unit").order_by("org_unit__code")
    )
    if milestone is None or not towns or milestone.target_value is None:
        return
    total = int(milestone.target_value)
    shares = (CLINIC_SHARES * (len(towns) // len(CLINIC_SHARES) + 1))[: len(towns)]
    shares[0] += total - sum(shares)
    indicators.set_targets(
        milestone,
        {town.org_unit: Decimal(share) for town, share in zip(towns, shares, strict=True)},
        actor=None,
    )
