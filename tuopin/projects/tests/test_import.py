"""The project and fund workbook: every check of “Bad input”, all-or-nothing, re-import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tuopin.ledger.reader import WorkbookRefused
from tuopin.org.models import AuditEvent
from tuopin.projects import actions
from tuopin.projects.ledger_app import APP
from tuopin.projects.models import FundAllocation, Project
from tuopin.projects.tests.helpers import fund, project, workbook

pytestmark = pytest.mark.django_db


def check(data: bytes, user=None):
    return APP.check(data, "台账.xlsx", user)


def load(world, projects=None, funds=None):
    plan = check(workbook(projects, funds), world.hq)
    assert plan.ok, [str(p) for p in plan.problems]
    return plan, actions.apply_import(plan, actor=world.hq, filename="台账.xlsx")


def problems(plan) -> list[tuple[str, int, str, str, str]]:
    return [(p.sheet, p.row, p.column, p.value, p.reason) for p in plan.problems]


def test_a_good_workbook_imports_projects_funds_and_history(world):
    plan, batch = load(
        world,
        [
            project("P1", world.cg_village.code),
            project("P2", world.df_village.code, 项目类型="卫生室", 责任单位="县卫计局"),
        ],
        [fund("P1"), fund("P2", 资金来源="中央财政", 下达文号="财农〔2018〕3号")],
    )
    assert plan.counts == {
        "projects_added": 2,
        "projects_changed": 0,
        "projects_unchanged": 0,
        "funds_added": 2,
        "funds_changed": 0,
        "funds_unchanged": 0,
    }
    p2 = Project.objects.get(code="P2")
    assert (p2.kind, p2.unit, p2.place) == ("clinic", world.health, world.df_village)
    assert p2.planned_end == dt.date(2018, 8, 31) and p2.households == 120
    assert FundAllocation.objects.get(project=p2).allocated == Decimal("100.0000")
    assert batch.ledger == "projects" and batch.scope_code == "610327"
    assert AuditEvent.objects.filter(model="projects.project", action="导入新建").count() == 2
    assert AuditEvent.objects.filter(model="projects.fundallocation").count() == 2


def test_reimport_updates_what_changed_and_says_so_partial_file_touches_nothing_else(world):
    load(
        world,
        [project("P1", world.cg_village.code), project("P2", world.cg_village2.code)],
        [fund("P1")],
    )
    plan, _ = load(
        world,
        [project("P1", world.cg_village.code, 实际完工="2018-07-10")],
        [fund("P1", **{"已拨付（万元）": 90})],
    )
    assert plan.counts["projects_changed"] == 1 and plan.counts["funds_changed"] == 1
    assert any("实际完工" in line and "2018-07-10" in line for line in plan.change_lines)
    assert any("已拨付" in line and "90" in line for line in plan.change_lines)
    assert Project.objects.get(code="P1").actual_end == dt.date(2018, 7, 10)
    assert Project.objects.get(code="P2").actual_end is None  # not in the file: untouched
    event = AuditEvent.objects.filter(model="projects.project", action="导入修改").get()
    assert event.changes == {"actual_end": [None, "2018-07-10"]}
    again = check(workbook([project("P1", world.cg_village.code, 实际完工="2018-07-10")]), world.hq)
    assert again.ok and not again.has_changes and again.counts["projects_unchanged"] == 1


@pytest.mark.parametrize(
    ("projects", "funds", "expected"),
    [
        ([{"项目类型": "桥梁"}], None, ("项目", 2, "项目类型", "桥梁", "不是有效的取值")),
        (
            [{"所在地代码": "610327999999"}],
            None,
            ("项目", 2, "所在地代码", "610327999999", "组织机构中没有"),
        ),
        ([{"所在地代码": "61032"}], None, ("项目", 2, "所在地代码", "61032", "区划代码")),
        (
            [{"责任单位": "县宇航局"}],
            None,
            ("项目", 2, "责任单位", "县宇航局", "不是已登记的责任单位"),
        ),
        (
            [{"实际开工": "2018-05-01", "实际完工": "2018-04-01"}],
            None,
            ("项目", 2, "实际完工", "2018-04-01", "实际完工不能早于实际开工"),
        ),
        ([{"计划完工": "八月底"}], None, ("项目", 2, "计划完工", "八月底", "应为日期")),
        ([{"实际开工": "2018-02-30"}], None, ("项目", 2, "实际开工", "2018-02-30", "应为日期")),
        ([{"专项行动": 20}], None, ("项目", 2, "专项行动", "20", "应在 1 到 19 之间")),
        ([{"受益户数": -3}], None, ("项目", 2, "受益户数", "-3", "应在 0 到")),
        ([{"计划完工": ""}], None, ("项目", 2, "计划完工", "", "必填")),
        ([{}], [{"资金来源": "银行贷款"}], ("资金", 2, "资金来源", "银行贷款", "不是有效的取值")),
        ([{}], [{"项目编号": "NOPE"}], ("资金", 2, "项目编号", "NOPE", "都没有这个项目编号")),
        (
            [{}],
            [{"已拨付（万元）": 120}],
            ("资金", 2, "已拨付（万元）", "120.0000", "已拨付超过下达金额"),
        ),
        (
            [{}],
            [{"已报账（万元）": 70}],
            ("资金", 2, "已报账（万元）", "70.0000", "已报账超过已拨付"),
        ),
        ([{}], [{"下达金额（万元）": -5}], ("资金", 2, "下达金额（万元）", "-5.0", "不能为负数")),
        ([{}], [{"下达日期": "去年"}], ("资金", 2, "下达日期", "去年", "应为日期")),
    ],
)
def test_bad_input_is_refused_with_sheet_row_column_value_reason_and_nothing_written(
    world, projects, funds, expected
):
    rows = [project("P1", world.cg_village.code, **row) for row in projects]
    fund_rows = None if funds is None else [fund("P1", **row) for row in funds]
    plan = check(workbook(rows, fund_rows), world.hq)
    assert not plan.ok
    sheet, row, column, value, reason = expected
    found = problems(plan)
    assert any(p[:4] == (sheet, row, column, value) and reason in p[4] for p in found), found
    with pytest.raises(actions.ImportNotAllowed):
        actions.apply_import(plan, actor=world.hq)
    assert not Project.objects.exists() and not FundAllocation.objects.exists()


def test_a_duplicate_code_refuses_the_whole_file(world):
    plan = check(
        workbook(
            [
                project("P1", world.cg_village.code),
                project("P2", world.cg_village.code),
                project("P1", world.df_village.code),
            ]
        ),
        world.hq,
    )
    assert problems(plan) == [
        ("项目", 4, "项目编号", "P1", "与第2行项目编号重复，项目编号不能重复")
    ]
    assert not plan.has_changes


def test_a_fund_row_may_name_a_project_already_in_the_ledger(world):
    load(world, [project("P1", world.cg_village.code)])
    plan, _ = load(world, None, [fund("P1")])
    assert plan.counts["funds_added"] == 1


def test_a_town_cadre_cannot_import_into_another_town(world):
    plan = check(workbook([project("P1", world.df_village.code)]), world.cadre)
    assert [p.reason for p in plan.problems] == ["不在您的管辖范围内"]


def test_not_a_workbook_and_missing_sheets_are_refused(world):
    with pytest.raises(WorkbookRefused):
        check(b"PK\x03\x04 not really a zip")
    import io

    from tuopin.lib import xlsx_cells

    buffer = io.BytesIO()
    book = xlsx_cells.workbook(buffer)
    book.add_worksheet("Sheet1")
    book.close()
    with pytest.raises(WorkbookRefused, match="没有“项目”“资金”任何一个工作表"):
        check(buffer.getvalue())
