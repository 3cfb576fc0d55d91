"""A small campaign on the test world: two actions, milestones with targets, Friday 12:00."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tuopin.lib import clock
from tuopin.plan.models import Action, Campaign, Milestone
from tuopin.reports.models import Period, Report
from tuopin.reports.periods import ensure_periods

# Friday 2018-07-20, the demo's week; the campaign was issued Monday 2018-06-11.
FRIDAY = dt.date(2018, 7, 20)
THURSDAY_NOON = clock.at(dt.date(2018, 7, 19), 12, 0)


@dataclass
class Setup:
    campaign: Campaign
    roads: Action
    health_action: Action
    road_km: Milestone
    road_share: Milestone
    clinics: Milestone
    period: Period  # the week due Friday 2018-07-20 12:00

    def report(self, unit) -> Report:
        return Report.objects.get(period=self.period, unit=unit)


def values_for(setup: Setup, km="12.5", share="80", progress="本周完成路面硬化3公里") -> dict:
    return {
        "actions": [
            {
                "action": setup.roads.pk,
                "progress": progress,
                "problems": "资金拨付滞后",
                "suggestions": "请财政局加快拨付",
                "milestones": [
                    {"milestone": setup.road_km.pk, "value": km, "status": "in_progress"},
                    {"milestone": setup.road_share.pk, "value": share, "status": "in_progress"},
                ],
            }
        ]
    }


@pytest.fixture
def setup(world) -> Setup:
    return build_setup(world)


def build_setup(world) -> Setup:
    """The campaign and the week due Friday 2018-07-20 (also used by the bad-file corpus)."""
    campaign = Campaign.objects.create(
        title="陇县脱贫攻坚百日冲刺工作方案",
        county=world.county,
        issued_on=dt.date(2018, 6, 11),
        created_at=clock.at(dt.date(2018, 6, 11), 9),
    )
    roads = Action.objects.create(campaign=campaign, number=13, title="交通路网提升专项行动")
    roads.units.set([world.transport, world.chengguan_unit, world.dongfeng_unit])
    roads.leaders.set([world.leader.person])
    health_action = Action.objects.create(campaign=campaign, number=7, title="健康扶贫专项行动")
    health_action.units.set([world.health])
    deadline = clock.at(dt.date(2018, 8, 31), 23, 59)
    road_km = Milestone.objects.create(
        action=roads,
        deadline=deadline,
        text="完成通村道路硬化40公里",
        target_value=Decimal("40"),
        target_unit="公里",
        order=1,
    )
    road_share = Milestone.objects.create(
        action=roads,
        deadline=deadline,
        text="贫困村通硬化路比例达到100%",
        target_value=Decimal("100"),
        target_unit="%",
        order=2,
    )
    clinics = Milestone.objects.create(
        action=health_action,
        deadline=deadline,
        text="标准化村卫生室全覆盖",
        target_value=Decimal("62"),
        target_unit="个",
        order=1,
    )
    ensure_periods(campaign, THURSDAY_NOON)
    period = Period.objects.get(campaign=campaign, deadline=clock.at(FRIDAY, 12))
    return Setup(campaign, roads, health_action, road_km, road_share, clinics, period)
