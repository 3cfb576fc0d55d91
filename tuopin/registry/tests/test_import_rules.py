from __future__ import annotations

import pytest

from tuopin.lib import clock
from tuopin.registry.actions import apply_import
from tuopin.registry.importer import ELSEWHERE_HOUSEHOLD, ELSEWHERE_PERSON, plan_import
from tuopin.registry.models import Household, Person, VillageFacts
from tuopin.registry.reader import read_workbook
from tuopin.registry.tests.helpers import (
    CHILD_ID,
    HEAD2_ID,
    HEAD_ID,
    SPOUSE_ID,
    build,
    citizen_id,
    household_row,
    person_row,
    small_workbook,
    village_row,
)

NOW = "2018-07-20T10:00:00+08:00"


def plan_for(sheets, **options):
    with clock.frozen(NOW):
        return plan_import(read_workbook(build(sheets), "t.xlsx"), **options)


def problems(plan):
    return [(p.sheet, p.row, p.column, p.value, p.reason) for p in plan.problems]


def run(sheets, **options):
    plan = plan_for(sheets, **options)
    assert problems(plan) == []
    with clock.frozen(NOW):
        apply_import(plan, filename="t.xlsx")
    return plan


def test_it_imports_a_valid_workbook(world):
    plan = run(small_workbook(world))
    assert plan.counts["households_added"] == 2
    assert plan.counts["persons_added"] == 4
    assert plan.counts["villages_changed"] == 1
    h1 = Household.objects.get(household_no=f"{world.cg_village.code}0001")
    assert h1.member_count == 3
    assert h1.exit_status == "exited"
    assert h1.other_causes == ["07"]
    assert str(h1.business_income) == "5000.50"
    assert h1.village == world.cg_village
    child = Person.objects.get(id_number=CHILD_ID)
    assert (child.sex, child.birth_date.isoformat(), child.schooling_status) == (
        "1",
        "2008-08-08",
        "03",
    )
    assert VillageFacts.objects.get(village=world.cg_village).natural_villages_30plus == 3


def test_it_reports_added_changed_unchanged_on_reimport(world):
    run(small_workbook(world))
    sheets = small_workbook(world)
    sheets["户"][0]["工资性收入"] = 15000
    sheets["人"][2]["健康状况"] = "长期慢性病"
    plan = run(sheets)
    assert plan.counts["households_changed"] == 1
    assert plan.counts["households_unchanged"] == 1
    assert plan.counts["persons_changed"] == 1
    assert plan.counts["persons_unchanged"] == 3
    assert plan.counts["villages_unchanged"] == 1
    assert (
        str(Household.objects.get(household_no=f"{world.cg_village.code}0001").wage_income)
        == "15000.00"
    )
    assert Person.objects.get(id_number=CHILD_ID).health == "2"


def test_it_never_touches_households_missing_from_a_partial_file(world):
    run(small_workbook(world))
    code = world.cg_village.code
    sheets = small_workbook(world)
    sheets["户"] = sheets["户"][:1]
    sheets["人"] = sheets["人"][:3]
    plan = run(sheets)
    assert plan.counts.get("households_closed", 0) == 0
    assert Household.objects.get(household_no=f"{code}0002").is_active is True


def test_it_closes_absent_households_only_when_replacing_villages(world):
    run(small_workbook(world))
    code = world.cg_village.code
    sheets = small_workbook(world)
    sheets["户"] = sheets["户"][:1]
    sheets["人"] = sheets["人"][:2]  # the child left too
    plan = plan_for(sheets, replace_villages=True)
    assert problems(plan) == []
    assert plan.closures == [
        {"household_no": f"{code}0002", "head_name": "李平安", "village": code}
    ]
    with clock.frozen(NOW):
        apply_import(plan, filename="t.xlsx")
    closed = Household.objects.get(household_no=f"{code}0002")
    assert (closed.is_active, closed.closed_reason) == (False, "整村替换导入：不在导入文件中")
    assert Person.objects.get(id_number=HEAD2_ID).is_active is False
    assert Person.objects.get(id_number=CHILD_ID).is_active is False
    assert Household.objects.get(household_no=f"{code}0001").member_count == 2


def test_it_refuses_a_bad_checksum_naming_the_cell(world):
    bad = HEAD_ID[:17] + ("0" if HEAD_ID[17] != "0" else "1")
    sheets = small_workbook(world)
    sheets["人"][0]["证件号码"] = bad
    plan = plan_for(sheets)
    assert ("人", 2, "证件号码", bad) in [p[:4] for p in problems(plan)]
    assert plan.ok is False
    assert Household.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("61032719701301011X", "证件号码中的出生日期 19701301 不存在或不合理"),
        ("61032720300101011X", "证件号码中的出生日期 20300101 不存在或不合理"),
        ("6103271970010101", "证件号码应为18位，实际为16位"),
    ],
)
def test_it_checks_the_birth_date_inside_the_id(world, value, reason):
    sheets = small_workbook(world)
    sheets["人"][1]["证件号码"] = value
    plan = plan_for(sheets)
    assert ("人", 3, "证件号码", value, reason) in problems(plan)


def test_it_refuses_an_unknown_village_code(world):
    sheets = small_workbook(world)
    sheets["村"] = [village_row("610327100999", "无名村")]
    plan = plan_for(sheets)
    assert problems(plan) == [
        ("村", 2, "村代码", "610327100999", "区划中没有这个村；请先在组织机构中建立该村")
    ]


def test_it_refuses_persons_of_a_household_that_does_not_exist(world):
    sheets = small_workbook(world)
    sheets["人"].append(person_row("999", "赵强", citizen_id("19800101", 51)))
    plan = plan_for(sheets)
    assert problems(plan) == [
        ("人", 6, "户编号", "999", "“户”表和您管辖范围内的档案中都没有这个户编号")
    ]


def test_it_requires_exactly_one_head(world):
    code = world.cg_village.code
    sheets = small_workbook(world)
    sheets["人"][1]["与户主关系"] = "户主"
    plan = plan_for(sheets)
    assert problems(plan) == [
        ("人", 3, "与户主关系", "户主", f"户 {code}0001 已有户主，一户只能有一位户主")
    ]
    sheets = small_workbook(world)
    sheets["人"][3]["与户主关系"] = "配偶"
    plan = plan_for(sheets)
    assert (
        "户",
        3,
        "户编号",
        f"{code}0002",
        "该户没有户主（“人”表中与户主关系为“户主”的成员）",
    ) in problems(plan)


def test_it_refuses_an_id_in_two_households(world):
    sheets = small_workbook(world)
    sheets["人"][3]["证件号码"] = SPOUSE_ID
    plan = plan_for(sheets)
    assert (
        "人",
        5,
        "证件号码",
        SPOUSE_ID,
        "与第3行证件号码重复但内容不同，证件号码不能重复",
    ) in problems(plan)


def test_it_refuses_moving_a_person_out_of_a_household_not_in_the_file(world):
    run(small_workbook(world))
    code = world.cg_village.code
    new_head = citizen_id("19900101", 71)
    sheets = {
        "户": [household_row(f"{code}0003", code, "陈明亮", new_head)],
        "人": [
            person_row(f"{code}0003", "陈明亮", new_head),
            person_row(f"{code}0003", "王秀英", SPOUSE_ID, "配偶"),
        ],
    }
    plan = plan_for(sheets)
    assert [p[:4] for p in problems(plan)] == [("人", 3, "证件号码", SPOUSE_ID)]
    assert "此人已登记在户" in plan.problems[0].reason


@pytest.mark.parametrize(
    ("sheet", "column", "value", "reason_start"),
    [
        ("户", "是否建档立卡", "可能", "应填写“是”或“否”"),
        ("户", "贫困户属性", "富裕户", "不是有效的取值"),
        ("户", "主要致贫原因", "因懒", "不是有效的取值"),
        ("户", "脱贫状态", "脱了", "不是有效的取值"),
        ("户", "住房等级", "E", "不是有效的取值"),
        ("户", "搬迁安置", "搬了", "不是有效的取值"),
        ("户", "工资性收入", -5, "不能为负数"),
        ("户", "工资性收入", "很多", "应为数字"),
        ("户", "取水往返分钟", -1, "应在 0 到 32767 之间"),
        ("户", "供水保证率", 120, "供水保证率为百分数"),
        ("户", "脱贫年度", 1999, "应在 2000 到 2018 之间"),
        ("户", "户主姓名", "", "必填，不能为空"),
        ("人", "在校生状况", "逃学", "不是有效的取值"),
        ("人", "健康状况", "一般", "不是有效的取值"),
        ("人", "劳动技能", "很强", "不是有效的取值"),
        ("人", "与户主关系", "邻居", "不是有效的取值"),
        ("人", "参加新农合", "x", "应填写“是”或“否”"),
        ("人", "务工月数", 13, "应在 0 到 12 之间"),
        ("户", "户主姓名", "<img src=x onerror=alert()>", "不能包含尖括号 < 或 >"),
        ("户", "组", "一组\x07", "不能包含控制字符或不可见字符（U+0007）"),
        ("户", "帮扶单位", "县<b>交通局</b>", "不能包含尖括号 < 或 >"),
        ("人", "姓名", "王\u200b秀英", "不能包含控制字符或不可见字符（U+200B）"),
    ],
)
def test_it_validates_each_cell_rule(world, sheet, column, value, reason_start):
    sheets = small_workbook(world)
    sheets[sheet][0][column] = value
    plan = plan_for(sheets)
    found = [p for p in problems(plan) if p[0] == sheet and p[1] == 2 and p[2] == column]
    assert len(found) == 1, problems(plan)
    assert found[0][4].startswith(reason_start)
    assert Household.objects.count() == 0


def test_it_requires_registered_fields_and_refuses_them_for_others(world):
    sheets = small_workbook(world)
    sheets["户"][0]["脱贫状态"] = ""
    sheets["户"][1]["脱贫状态"] = "未脱贫"
    plan = plan_for(sheets)
    assert problems(plan) == [
        ("户", 2, "脱贫状态", "", "建档立卡户必须填写此项"),
        ("户", 3, "脱贫状态", "未脱贫", "非建档立卡户不应填写此项"),
    ]


def test_it_requires_the_required_columns(world):
    sheets = small_workbook(world)
    for row in sheets["人"]:
        del row["参加大病保险"]
    plan = plan_for(sheets)
    assert problems(plan) == [
        ("人", 1, "参加大病保险", "", "缺少必填列（表头须在同一行，请勿合并表头单元格）")
    ]


def test_it_ignores_extra_columns_and_accepts_codes(world):
    sheets = small_workbook(world)
    for row in sheets["人"]:
        row["备注"] = "随便写"
    sheets["人"][0]["健康状况"] = "1"
    sheets["户"][0]["主要致贫原因"] = 1  # a number: the code 01
    plan = run(sheets)
    assert plan.counts["persons_added"] == 4
    assert Household.objects.get(household_no=f"{world.cg_village.code}0001").main_cause == "01"


def test_it_checks_the_head_id_against_the_head_person(world):
    sheets = small_workbook(world)
    sheets["户"][0]["户主证件号码"] = SPOUSE_ID
    plan = plan_for(sheets)
    assert problems(plan) == [
        ("户", 2, "户主证件号码", SPOUSE_ID, f"与“人”表中该户户主的证件号码 {HEAD_ID} 不一致")
    ]


def test_it_refuses_villages_outside_the_users_scope(world):
    sheets = small_workbook(world)
    plan = plan_for(sheets, user=world.other_cadre)
    assert ("户", 2, "村代码", world.cg_village.code, "该村不在您的管辖范围内") in problems(plan)
    assert plan.ok is False


def test_it_refuses_moving_a_household_out_of_another_town(world):
    run(small_workbook(world))
    code = world.cg_village.code
    sheets = small_workbook(world)
    for row in sheets["户"]:
        row["村代码"] = world.df_village.code
    sheets.pop("村")
    plan = plan_for(sheets, user=world.other_cadre)
    assert (
        "户",
        2,
        "户编号",
        f"{code}0001",
        ELSEWHERE_HOUSEHOLD,
    ) in problems(plan)
    assert not any(code in p.reason for p in plan.problems)


def test_it_says_a_person_is_registered_elsewhere_without_naming_the_other_towns_household(world):
    run(small_workbook(world))
    code = world.df_village.code
    own_head = citizen_id("19900101", 71)
    sheets = {
        "户": [household_row(f"{code}0001", code, "陈明亮", own_head)],
        "人": [
            person_row(f"{code}0001", "陈明亮", own_head),
            person_row(f"{code}0001", "王秀英", SPOUSE_ID, "配偶"),
        ],
    }
    plan = plan_for(sheets, user=world.other_cadre)
    assert problems(plan) == [("人", 3, "证件号码", SPOUSE_ID, ELSEWHERE_PERSON)]
    assert world.cg_village.code not in ELSEWHERE_PERSON


def test_it_does_not_tell_an_out_of_scope_household_from_a_missing_one(world):
    run(small_workbook(world))
    cg_number = f"{world.cg_village.code}0001"
    sheets = {"人": [person_row(cg_number, "陈明亮", citizen_id("19900101", 71), "之子")]}
    outside = plan_for(sheets, user=world.other_cadre)
    missing = plan_for(
        {"人": [person_row("6103271012010099", "陈明亮", citizen_id("19900101", 71), "之子")]},
        user=world.other_cadre,
    )
    assert (
        [p.reason for p in outside.problems]
        == [p.reason for p in missing.problems]
        == ["“户”表和您管辖范围内的档案中都没有这个户编号"]
    )


def test_it_updates_members_from_a_person_sheet_alone(world):
    run(small_workbook(world))
    code = world.cg_village.code
    newborn = citizen_id("20180101", 42)
    sheets = {"人": [person_row(f"{code}0002", "李小宝", newborn, "之子", 劳动技能="无劳动力")]}
    plan = run(sheets)
    assert (plan.counts["persons_added"], plan.counts["persons_unchanged"]) == (1, 0)
    household = Household.objects.get(household_no=f"{code}0002")
    assert household.member_count == 2
    assert Household.objects.get(household_no=f"{code}0001").member_count == 3


def test_it_resolves_the_group_to_the_org_tree(world):
    from tuopin.org.models import OrgUnit

    group = OrgUnit.objects.create(
        code=f"{world.cg_village.code}001", name="一组", level="group", parent=world.cg_village
    )
    run(small_workbook(world))
    assert Household.objects.get(household_no=f"{world.cg_village.code}0001").group == group


def test_it_refuses_replacement_without_both_sheets(world):
    sheets = small_workbook(world)
    sheets.pop("人")
    plan = plan_for(sheets, replace_villages=True)
    assert problems(plan) == [
        ("人", 1, "", "", "整村替换需要同时提供“户”表和“人”表（缺少的表会被当作全部注销）")
    ]


def test_it_reports_a_bad_head_id_once(world):
    sheets = small_workbook(world)
    sheets["人"][0]["证件号码"] = "123"
    plan = plan_for(sheets)
    assert problems(plan) == [("人", 2, "证件号码", "123", "证件号码应为18位，实际为3位")]
