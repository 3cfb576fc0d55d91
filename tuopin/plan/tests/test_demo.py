from __future__ import annotations

from tuopin.lib import clock
from tuopin.plan.models import Campaign, Milestone
from tuopin.synth import plan_demo


def test_it_loads_the_seed_into_the_demo_county_once(seed_units):
    messages: list[str] = []
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        plan_demo.populate(seed_units.county, seed=1, log=messages.append)
        plan_demo.populate(seed_units.county, seed=1, log=messages.append)
    campaign = Campaign.objects.get()
    assert campaign.actions.count() == 19
    assert messages == ["作战计划：19 个专项行动，59 个时间节点已导入", "作战计划已存在，跳过"]
    # 6月底前 (3) 轮训 and (16) 危房改造: one completed before its deadline, one left overdue
    done = Milestone.objects.exclude(completed_at=None)
    assert [(m.action.number, m.completed_at < m.deadline) for m in done] == [(16, True)]


def test_it_works_with_the_synthetic_county(db):
    from tuopin.synth.county import build_county

    build = build_county(seed=1)
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        plan_demo.populate(build.county, seed=1, log=lambda message: None)
    campaign = Campaign.objects.get()
    assert campaign.parse_warnings == []
    assert campaign.actions.get(number=1).units.count() == 12  # 县委办、县委组织部 and 10 towns
    assert campaign.actions.get(number=7).units.count() == 15 + 10 - 0  # 八办七组 and every town
    assert [p.post for p in campaign.actions.get(number=19).leaders.all()] == ["分管交通运输副县长"]
