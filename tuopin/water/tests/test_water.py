"""The water ledger: import with every bad input refused, the derived flag, disagreements,
untested villages/households, the exit assessment's water item, scope and metrics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tuopin.assess import engine
from tuopin.assess.tests.factories import household
from tuopin.org.models import AuditEvent
from tuopin.registry.models import Household
from tuopin.water import actions, quality
from tuopin.water import metrics as water_metrics
from tuopin.water.layout import POINT_COLUMNS, SERVICE_COLUMNS, TEST_COLUMNS
from tuopin.water.ledger_app import APP
from tuopin.water.models import Service, SupplyPoint, WaterTest
from tuopin.water.tests.helpers import problems, workbook

pytestmark = pytest.mark.django_db
POINT_H = [c.header for c in POINT_COLUMNS]
SERVICE_H = [c.header for c in SERVICE_COLUMNS]
TEST_H = [c.header for c in TEST_COLUMNS]
GOOD = "浑浊度=0.5；pH=7.2；菌落总数=20；总大肠菌群=0；砷=0.002"


def book(points=(), services=(), tests=()):
    sheets = {}
    if points:
        sheets["供水点"] = (POINT_H, list(points))
    if services:
        sheets["受益农户"] = (SERVICE_H, list(services))
    if tests:
        sheets["水质检测"] = (TEST_H, list(tests))
    return workbook(sheets)


def point(code, village, **extra):
    return {
        "供水点编号": code,
        "供水点名称": f"{code}水厂",
        "所在村代码": village.code,
        "供水方式": "集中供水",
        "水源": "地下水",
        **extra,
    }


def report(number, **extra):
    return {
        "报告编号": number,
        "检测日期": "2018-06-01",
        "检测机构": "县疾控中心",
        "水样类型": "末梢水",
        "检测指标": GOOD,
        **extra,
    }


def load(world, data, user=None):
    plan = APP.check(data, "饮水.xlsx", user or world.hq)
    assert plan.ok, problems(plan)
    return plan, actions.apply_import(plan, actor=user or world.hq, filename="饮水.xlsx")


@pytest.fixture
def homes(world):
    return [household(world.cg_village) for _ in range(3)] + [household(world.df_village)]


def test_points_services_and_tests_import_and_derive_the_flag(world, homes):
    a, b, c, d = homes
    plan, batch = load(
        world,
        book(
            [point("W1", world.cg_village)],
            [{"供水点编号": "W1", "户编号": h.household_no} for h in (a, b, c)],
            [
                report("R1", 供水点编号="W1", 检测指标="浑浊度=0.5；砷=0.05"),
                report("R2", 户编号=b.household_no, 检测日期="2018-06-05"),
            ],
        ),
    )
    assert plan.counts["points_added"] == 1 and plan.counts["services_added"] == 3
    assert batch.ledger == "water"
    r1 = WaterTest.objects.get(report_no="R1")
    assert not r1.passed and "砷 0.05mg/L（限值 ≤0.01）" in r1.failed_items
    found = quality.verdicts(Household.objects.all())
    # a and c follow the point's failing test; b's own passing test overrides it; d has none
    assert (found[a.pk].passed, found[b.pk].passed, found[c.pk].passed) == (False, True, False)
    assert found[b.pk].own and d.pk not in found
    assert "不合格：砷" in found[a.pk].reason
    # the registry flags follow the tests, with history naming the report
    a.refresh_from_db()
    assert a.water_quality_ok is False
    event = AuditEvent.objects.get(model="registry.household", object_id=str(a.pk))
    assert event.action == "按水质检测更新" and "R1" in event.note
    # the exit assessment now fails a's water item, with the reason
    context = engine.context_for(world.county.code, as_of=dt.date(2018, 7, 20))
    verdicts = {v.household_no: v for v in engine.household_verdicts(context)}
    assert verdicts[a.household_no].items["water"] is False
    assert any("水质达标 否" in reason for reason in verdicts[a.household_no].reasons)
    assert verdicts[b.household_no].items["water"] is True
    # re-import of the same file changes nothing
    again = APP.check(book([point("W1", world.cg_village)]), "x.xlsx", world.hq)
    assert again.counts["points_unchanged"] == 1 and not again.has_changes


def test_disagreement_and_untested_lists(world, homes):
    a, b, c, d = homes
    load(
        world,
        book(
            [point("W1", world.cg_village)],
            [{"供水点编号": "W1", "户编号": a.household_no}],
            [report("R1", 供水点编号="W1")],
        ),
    )
    Household.objects.filter(pk=a.pk).update(water_quality_ok=False)  # a later registry import
    listed = quality.disagreements(Household.objects.all())
    assert [(x.household.pk, x.registry_ok, x.verdict.passed) for x in listed] == [
        (a.pk, False, True)
    ]
    villages = [world.cg_village, world.cg_village2, world.df_village]
    no_village, no_household = quality.untested(
        Household.objects.all(), villages, dt.date(2018, 7, 20)
    )
    assert no_village == [world.cg_village2, world.df_village]
    assert {h.pk for h in no_household} == {b.pk, c.pk, d.pk}
    # a report of last year does not count this year
    assert quality.tested_this_year(Household.objects.all(), dt.date(2019, 3, 1)) == set()


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (report("R9", 供水点编号="W1", 检测指标="浑浊度=-1"), "检测指标", "超出可能的范围"),
        (report("R9", 供水点编号="W1", 检测指标="pH=19"), "检测指标", "超出可能的范围"),
        (
            report("R9", 供水点编号="W1", 检测指标="含金量=3"),
            "检测指标",
            "不是《生活饮用水卫生标准》",
        ),
        (report("R9", 供水点编号="W1", 检测指标="砷=abc"), "检测指标", "不是数字"),
        (report("R9"), "供水点编号", "至少一个"),
        (report("R9", 供水点编号="W7"), "供水点编号", "都没有这个供水点"),
        (report("R9", 户编号="999"), "户编号", "没有这个户编号"),
        (report("R9", 供水点编号="W1", 结论="合格", 检测指标="砷=0.05"), "结论", "超标"),
        (report("R9", 供水点编号="W1", 检测日期="2030-01-01"), "检测日期", ""),
    ],
)
def test_bad_test_rows_are_refused_with_the_reason_and_nothing_written(world, row, column, reason):
    data = book([point("W1", world.cg_village)], tests=[row])
    plan = APP.check(data, "x.xlsx", world.hq)
    assert not plan.ok
    assert any(p[2] == column and reason in p[3] for p in problems(plan)), problems(plan)
    assert not plan.has_changes
    with pytest.raises(ValueError):
        actions.apply_import(plan, actor=world.hq)
    assert not SupplyPoint.objects.exists() and not WaterTest.objects.exists()


def test_a_town_cannot_import_another_towns_village(world):
    plan = APP.check(book([point("W1", world.df_village)]), "x.xlsx", world.cadre)
    assert [p[3] for p in problems(plan)] == ["不在您的管辖范围内"]


def test_scope_town_sees_own_points_and_the_water_department_all(world):
    load(world, book([point("W1", world.cg_village), point("W2", world.df_village)]))
    assert [p.code for p in SupplyPoint.objects.visible_to(world.cadre)] == ["W1"]
    assert [p.code for p in SupplyPoint.objects.visible_to(world.other_cadre)] == ["W2"]
    assert not SupplyPoint.objects.visible_to(world.reporter).exists()  # 县交通局
    world.transport.name, world.transport.short_name = "县水利局", "水利局"
    world.transport.save()
    world.reporter.refresh_from_db()
    assert SupplyPoint.objects.visible_to(world.reporter).count() == 2


def test_metrics_against_hand_counted_cases(world, homes):
    a, b, _c, d = homes
    Household.objects.filter(pk=d.pk).update(water_piped=False)
    load(
        world,
        book(
            [point("W1", world.cg_village)],
            [{"供水点编号": "W1", "户编号": h.household_no} for h in (a, b)],
            [
                report("R1", 供水点编号="W1", 检测指标="砷=0.05"),
                report("R2", 户编号=b.household_no),
                report("R3", 户编号=d.household_no, 检测日期="2017-05-01"),
            ],
        ),
    )
    on = dt.date(2018, 7, 20)
    get = {m["key"]: m["bulk"] for m in water_metrics.definitions()}
    county = world.county.code
    # 4 households: a (point fails), b (own pass), c (none), d (own pass, last year)
    assert get["water.safe_households"]("county", on, None)[county].value == 2
    assert get["water.unsafe_households"]("county", on, None)[county].value == 1
    assert get["water.untested_households"]("county", on, None)[county].value == 1
    assert get["water.households_tested"]("county", on, None)[county].value == 2
    assert get["water.households_tested_share"]("county", on, None)[county].value == Decimal(
        "50.00"
    )
    assert get["water.test_pass_rate"]("county", on, [county])[county].value == Decimal("50.00")
    # villages: cg_village tested this year; cg_village2, df_village, df_village2 not
    towns = get["water.villages_tested_share"]("town", on, None)
    assert towns[world.chengguan.code].value == Decimal("50.00")
    assert towns[world.dongfeng.code].value == Decimal("0.00")
    # tap water: a, b, c piped; d not piped and not on a central point → 3 of 4
    assert get["water.tap_water_rate"]("county", on, None)[county].value == Decimal("75.00")
    assert (
        get["water.test_pass_rate"]("village", on, [world.df_village2.code])[
            world.df_village2.code
        ].value
        is None
    )


def test_a_test_entered_on_a_phone_refuses_bad_values(world, homes):
    a = homes[0]
    with pytest.raises(actions.TestRefused, match="超出可能的范围"):
        actions.add_test(
            report_no="P1",
            point=None,
            household=a,
            tested_on=dt.date(2018, 7, 1),
            lab="县疾控中心",
            sample="household",
            values_text="浑浊度=99999",
        )
    assert not WaterTest.objects.exists()
    actions.add_test(
        report_no="P1",
        point=None,
        household=a,
        tested_on=dt.date(2018, 7, 1),
        lab="县疾控中心",
        sample="household",
        values_text="总大肠菌群=3",
        actor=world.hq,
    )
    a.refresh_from_db()
    assert a.water_quality_ok is False and Service.objects.count() == 0


def test_a_later_registry_import_keeps_the_tests_verdict(world):
    from tuopin.registry.actions import apply_import as registry_apply
    from tuopin.registry.importer import plan_import as registry_plan
    from tuopin.registry.reader import read_workbook
    from tuopin.registry.tests.helpers import build, small_workbook

    def registry_import(sheets):
        plan = registry_plan(read_workbook(build(sheets), "档案.xlsx"), user=world.hq)
        assert plan.ok, plan.problems
        registry_apply(plan, actor=world.hq, filename="档案.xlsx")
        return plan

    sheets = small_workbook(world)
    registry_import(sheets)
    tested, untested = (f"{world.cg_village.code}000{n}" for n in (1, 2))
    load(
        world,
        book(
            [point("W1", world.cg_village)],
            [{"供水点编号": "W1", "户编号": tested}],
            [report("R1", 供水点编号="W1", 检测指标="浑浊度=0.5；砷=0.05")],
        ),
    )
    assert Household.objects.get(household_no=tested).water_quality_ok is False
    # the next registry file still says 是 for the tested household, 否 for the other
    for row in sheets["户"]:
        row["水质达标"] = "是" if row["户编号"] == tested else "否"
    plan = registry_import(sheets)
    [notice] = [n for n in plan.notices if "水质检测" in n]
    assert (
        f"1 户的“水质达标”与水质检测结论不一致，已按水质检测结论保留（户编号 {tested}）" in notice
    )
    assert Household.objects.get(household_no=tested).water_quality_ok is False
    assert Household.objects.get(household_no=untested).water_quality_ok is False
    assert not quality.disagreements(Household.objects.all())
