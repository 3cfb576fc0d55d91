from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tuopin.lib import clock
from tuopin.plan.models import Action, Campaign, Measurement, Milestone, Phase
from tuopin.registry.models import Household

NOW = "2018-07-20T10:00:00+08:00"


@pytest.fixture
def now():
    with clock.frozen(NOW):
        yield clock.now()


@pytest.fixture
def campaign(world, now):
    """A small campaign in the world county: two phases, three actions, five milestones."""
    campaign = Campaign.objects.create(
        title="陇县脱贫“摘帽”百日冲刺工作方案",
        county=world.county,
        issued_on=dt.date(2018, 6, 11),
        created_at=clock.now(),
    )
    Phase.objects.create(
        campaign=campaign,
        name="决战决胜阶段",
        start=dt.date(2018, 5, 1),
        end=dt.date(2018, 8, 31),
        order=1,
    )
    Phase.objects.create(
        campaign=campaign,
        name="任务清零阶段",
        start=dt.date(2018, 9, 1),
        end=dt.date(2018, 9, 30),
        order=2,
    )
    actions = []
    for number, title in [
        (1, "党建引领专项行动"),
        (13, "实施健康扶贫专项行动"),
        (19, "村组道路畅通专项行动"),
    ]:
        action = Action.objects.create(
            campaign=campaign, number=number, title=title, units_text="各镇"
        )
        action.units.set([world.chengguan_unit, world.dongfeng_unit, world.transport])
        actions.append(action)

    def milestone(action, day, text, order, **extra):
        return Milestone.objects.create(
            action=action,
            deadline=clock.at(day, 23, 59, 59),
            text=text,
            order=order,
            metric_key=f"plan.{action.number}.{order}",
            **extra,
        )

    first = milestone(
        actions[0],
        dt.date(2018, 7, 31),
        "7月底前，每镇至少建立1个示范点",
        1,
        target_value=Decimal(1),
        target_unit="个",
        comparator="at_least",
        per="town",
    )
    milestone(
        actions[0],
        dt.date(2018, 9, 30),
        "9月底前，全县建成5个以上典型示范点",
        2,
        target_value=Decimal(5),
        target_unit="个",
        comparator="more_than",
    )
    milestone(
        actions[1],
        dt.date(2018, 8, 31),
        "8月底前完成35个标准化卫生室建设",
        1,
        target_value=Decimal(35),
        target_unit="个",
        comparator="equal",
    )
    milestone(
        actions[2],
        dt.date(2018, 6, 30),
        "6月底前完成道路摸底",
        1,
        completed_at=clock.at(dt.date(2018, 6, 28), 10),
    )
    milestone(
        actions[2],
        dt.date(2018, 7, 15),
        "7月15日前完成通组路规划",
        2,
        target_value=Decimal(100),
        target_unit="%",
        comparator="all",
    )
    Measurement.objects.create(
        milestone=first,
        unit=world.chengguan_unit,
        value=Decimal(1),
        measured_at=clock.at(dt.date(2018, 7, 13), 11),
        source="report",
        source_ref="ReportVersion:1",
    )
    Measurement.objects.create(
        milestone=first,
        unit=world.dongfeng_unit,
        value=Decimal(0),
        measured_at=clock.at(dt.date(2018, 7, 13), 11),
        source="report",
        source_ref="ReportVersion:2",
    )
    return campaign


@pytest.fixture
def households(world):
    """Three registered households in 城关镇's 东关村, one in 东风镇, one unregistered."""
    rows = []
    for number, (village, registered) in enumerate(
        [
            (world.cg_village, True),
            (world.cg_village, True),
            (world.cg_village2, True),
            (world.df_village, True),
            (world.df_village, False),
        ],
        start=1,
    ):
        rows.append(
            Household.objects.create(
                household_no=f"H{number:04d}",
                village=village,
                head_name=f"户主{number}",
                head_id_number=f"61032719800101{number:04d}",
                is_registered=registered,
                exit_status="not_exited" if registered else "",
                member_count=3,
            )
        )
    return rows
