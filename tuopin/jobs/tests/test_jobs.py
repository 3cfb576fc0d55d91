"""The employment and collective-economy ledgers: bad input refused with the reason and nothing
written, scope, and the metrics against hand-counted cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tuopin.assess.tests.factories import adult, household
from tuopin.jobs import metrics as jobs_metrics
from tuopin.jobs.layout import (
    ATTEND_COLUMNS,
    COOP_COLUMNS,
    FAIR_COLUMNS,
    INCOME_COLUMNS,
    POST_COLUMNS,
    SPELL_COLUMNS,
    TRAINING_COLUMNS,
)
from tuopin.jobs.ledger_app import ECONOMY_APP, JOBS_APP
from tuopin.jobs.models import Attendance, Income, Post, Spell
from tuopin.water.tests.helpers import problems, workbook

pytestmark = pytest.mark.django_db
ON = dt.date(2018, 7, 20)
H = {
    "务工": [c.header for c in SPELL_COLUMNS],
    "招聘会": [c.header for c in FAIR_COLUMNS],
    "培训": [c.header for c in TRAINING_COLUMNS],
    "培训人员": [c.header for c in ATTEND_COLUMNS],
    "公益岗位": [c.header for c in POST_COLUMNS],
    "集体经济组织": [c.header for c in COOP_COLUMNS],
    "集体收入": [c.header for c in INCOME_COLUMNS],
}


def book(**sheets):
    return workbook({name: (H[name], rows) for name, rows in sheets.items()})


def load(app, data, user):
    plan = app.check(data, "x.xlsx", user)
    assert plan.ok, problems(plan)
    return app.apply(plan, actor=user, filename="x.xlsx")


def spell(person, **extra):
    return {
        "证件号码": person.id_number,
        "务工地点": "省外",
        "就业渠道": "劳务协作",
        "开始日期": "2018-03-01",
        "月收入（元）": 3500,
        **extra,
    }


@pytest.fixture
def people(world):
    first = household(
        world.cg_village, members=[adult(), adult(), adult(birth_date=dt.date(1940, 1, 1))]
    )
    second = household(world.df_village, relocation="central_keys")
    return [*first.members.order_by("id_number"), *second.members.all()]


def test_spells_overlap_and_order_are_refused_nothing_written(world, people):
    a = people[0]
    bad = book(
        务工=[
            spell(a),
            spell(a, 开始日期="2018-05-01"),  # overlaps the first (open-ended) full-time spell
            spell(people[1], 开始日期="2018-05-01", 结束日期="2018-04-01"),
            spell(people[1], 证件号码="610327199001011234"),
        ]
    )
    plan = JOBS_APP.check(bad, "x.xlsx", world.hq)
    found = problems(plan)
    assert ("务工", 3, "开始日期", "与该人 2018-03-01 开始的另一段全职务工时间重叠") in found
    assert ("务工", 4, "结束日期", "结束日期不能早于开始日期") in found
    assert any(p[1] == 5 and "没有这个证件号码" in p[3] for p in found)
    assert not plan.has_changes and not Spell.objects.exists()
    # part-time alongside full-time is fine; a later spell after the first ends is fine
    load(
        JOBS_APP,
        book(
            务工=[
                spell(a, 结束日期="2018-04-30"),
                spell(a, 开始日期="2018-05-01"),
                spell(a, 开始日期="2018-06-01", 全职="否"),
            ]
        ),
        world.hq,
    )
    assert Spell.objects.count() == 3
    # a stored spell also counts: a new overlapping full-time spell is refused
    plan = JOBS_APP.check(book(务工=[spell(a, 开始日期="2018-07-01")]), "x.xlsx", world.hq)
    assert [p[3] for p in problems(plan)] == ["与该人 2018-05-01 开始的另一段全职务工时间重叠"]


def test_a_post_held_outside_the_village_needs_a_reason(world, people):
    outsider = people[3]  # lives in df_village
    row = {
        "岗位编号": "G1",
        "岗位名称": "保洁员",
        "岗位类别": "公益性岗位",
        "所在村代码": world.cg_village.code,
        "在岗人员证件号码": outsider.id_number,
        "月补贴（元）": 500,
        "开始日期": "2018-01-01",
    }
    plan = JOBS_APP.check(book(公益岗位=[row]), "x.xlsx", world.hq)
    assert [p[3] for p in problems(plan)] == [
        "在岗人员不是本村建档立卡人员，请填写“非本村人员原因”"
    ]
    assert not Post.objects.exists()
    load(JOBS_APP, book(公益岗位=[{**row, "非本村人员原因": "本村无合适人选"}]), world.hq)
    assert Post.objects.get().outside_reason == "本村无合适人选"


def test_negative_income_and_bad_year_are_refused(world):
    plan = ECONOMY_APP.check(
        book(
            集体收入=[
                {
                    "所在村代码": world.cg_village.code,
                    "年度": 2018,
                    "收入来源": "经营收入",
                    "金额（万元）": -3,
                },
                {
                    "所在村代码": world.cg_village.code,
                    "年度": 2030,
                    "收入来源": "补助收入",
                    "金额（万元）": 3,
                },
            ]
        ),
        "x.xlsx",
        world.hq,
    )
    assert sorted((p[1], p[2], p[3]) for p in problems(plan)) == [
        (2, "金额（万元）", "不能为负数"),
        (3, "年度", "应在 2000 到 2018 之间"),
    ]
    assert not Income.objects.exists()


def test_a_fair_hiring_more_than_attended_and_scope(world):
    fair = {
        "招聘会编号": "F1",
        "举办日期": "2018-03-01",
        "举办地点": "县城广场",
        "所在地代码": world.dongfeng.code,
        "参会贫困劳动力": 10,
        "录用贫困劳动力": 12,
    }
    plan = JOBS_APP.check(book(招聘会=[fair]), "x.xlsx", world.hq)
    assert [p[3] for p in problems(plan)] == ["录用人数不能多于参会人数"]
    plan = JOBS_APP.check(book(招聘会=[{**fair, "录用贫困劳动力": 3}]), "x.xlsx", world.cadre)
    assert [p[3] for p in problems(plan)] == ["不在您的管辖范围内"]  # 城关镇 cadre, 东风镇 fair


def test_metrics_against_hand_counted_cases(world, people):
    a, b, _old, d = people  # a, b able in cg_village; old is 78; d able, relocated, df_village
    load(
        JOBS_APP,
        book(
            务工=[spell(a), spell(b, 结束日期="2018-06-30"), spell(d, 开始日期="2018-07-01")],
            培训=[
                {
                    "培训编号": "T1",
                    "培训名称": "电焊",
                    "培训类别": "两后生",
                    "所在地代码": world.county.code,
                    "开始日期": "2018-04-01",
                    "学时": 40,
                }
            ],
            培训人员=[
                {"培训编号": "T1", "证件号码": a.id_number},
                {"培训编号": "T1", "证件号码": d.id_number},
            ],
            公益岗位=[
                {
                    "岗位编号": "G1",
                    "岗位名称": "护林员",
                    "岗位类别": "公益性岗位",
                    "所在村代码": world.cg_village.code,
                    "在岗人员证件号码": b.id_number,
                    "开始日期": "2018-07-01",
                }
            ],
        ),
        world.hq,
    )
    assert Attendance.objects.count() == 2
    load(
        ECONOMY_APP,
        book(
            集体收入=[
                {
                    "所在村代码": world.cg_village.code,
                    "年度": 2018,
                    "收入来源": "经营收入",
                    "金额（万元）": 5,
                },
                {
                    "所在村代码": world.df_village.code,
                    "年度": 2018,
                    "收入来源": "补助收入",
                    "金额（万元）": 3,
                },
                {
                    "所在村代码": world.df_village2.code,
                    "年度": 2017,
                    "收入来源": "经营收入",
                    "金额（万元）": 2,
                },
            ],
            集体经济组织=[
                {
                    "所在村代码": world.cg_village.code,
                    "年度": 2018,
                    "名称": "某村股份经济合作社",
                    "类别": "股份经济合作社",
                    "已登记赋码": "是",
                }
            ],
        ),
        world.hq,
    )
    get = {m["key"]: m["bulk"] for m in jobs_metrics.definitions()}
    county, cg, df = world.county.code, world.chengguan.code, world.dongfeng.code
    # able workers: a, b, d (old is 78); on 7-20 a and d work, b's spell ended 6-30
    assert get["jobs.able_workers_transferred"]("county", ON, None)[county].value == 2
    assert get["jobs.transfer_rate"]("town", ON, None)[cg].value == Decimal("50.00")
    assert get["jobs.transfer_rate"]("town", ON, None)[df].value == Decimal("100.00")
    assert get["jobs.posts_filled"]("county", ON, None)[county].value == 1
    assert get["jobs.posts_filled"]("county", dt.date(2018, 6, 1), [county])[county].value == 0
    assert get["jobs.lianghou_trained"]("county", ON, None)[county].value == 2
    # a relocated household of one 78-year-old has no able worker: not counted either way
    household(
        world.df_village,
        relocation="dispersed_moved_in",
        members=[adult(birth_date=dt.date(1940, 1, 1))],
    )
    assert get["jobs.relocated_with_worker"]("county", ON, None)[county].value == 1
    assert (
        get["jobs.relocated_without_worker"]("county", dt.date(2018, 6, 1), None)[county].value == 1
    )
    # 4 villages; only cg_village has operating income in 2018 (df_village's is a subsidy)
    assert get["economy.hollow_villages"]("county", ON, None)[county].value == 3
    assert (
        get["economy.hollow_villages"]("village", ON, [world.cg_village.code])[
            world.cg_village.code
        ].value
        == 0
    )
    assert get["economy.collective_income"]("town", ON, [df])[df].value == Decimal("3.0000")
    assert get["economy.income_per_village"]("county", ON, None)[county].value == Decimal("2.0000")
    assert get["economy.coops_registered"]("county", ON, None)[county].value == 1
