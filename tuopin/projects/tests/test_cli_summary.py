"""``tuopin projects import|export|template|summary``: the real commands on real files."""

from __future__ import annotations

import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from tuopin.projects.models import FundAllocation, Project, ProjectSettings
from tuopin.projects.tests.helpers import fund, project, workbook

pytestmark = pytest.mark.django_db


def _ledger(world, tmp_path):
    rows = [
        # finished, accepted and reimbursed
        project(
            "A1",
            world.cg_village.code,
            实际完工="2018-06-30",
            验收日期="2018-07-05",
            报账日期="2018-07-10",
        ),
        # late: due 30 June, not finished
        project("A2", world.cg_village2.code, 计划完工="2018-06-30"),
        # a clinic, not started
        project("B1", world.df_village.code, 项目类型="卫生室", 责任单位="县卫计局", 实际开工=""),
    ]
    funds = [
        fund("A1", **{"下达金额（万元）": 100, "已拨付（万元）": 100, "已报账（万元）": 100}),
        # allocated 2 April, 20 % paid by 20 July: idle (more than 60 days, under half)
        fund(
            "A2",
            资金来源="中央财政",
            下达文号="财农〔2018〕3号",
            **{"下达金额（万元）": 50.12345, "已拨付（万元）": 10, "已报账（万元）": 0},
        ),
        # allocated 10 July: too recent to be idle
        fund(
            "B1",
            下达日期="2018-07-10",
            **{"下达金额（万元）": 12, "已拨付（万元）": 0, "已报账（万元）": 0},
        ),
    ]
    path = tmp_path / "台账.xlsx"
    path.write_bytes(workbook(rows, funds))
    return path


def test_import_dry_run_then_import(world, tmp_path, capsys):
    path = _ledger(world, tmp_path)
    call_command("projects_import", str(path), "--dry-run")
    assert not Project.objects.exists()
    assert "校验完成（未写入）：项目 新增 3" in capsys.readouterr().out
    call_command("projects_import", str(path))
    assert Project.objects.count() == 3 and FundAllocation.objects.count() == 3


def test_import_refuses_a_bad_file_with_every_problem(world, tmp_path, capsys):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(workbook([project("A1", "999999999999", 项目类型="桥")]))
    with pytest.raises(CommandError):
        call_command("projects_import", str(path))
    err = capsys.readouterr().err
    assert "“项目”表第2行“项目类型”列（值：桥）" in err and "“所在地代码”列" in err
    assert not Project.objects.exists()


def test_summary_json_as_of_a_day(world, tmp_path, capsys):
    call_command("projects_import", str(_ledger(world, tmp_path)))
    capsys.readouterr()
    call_command("projects_summary", "--as-of", "2018-07-20", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "as_of": "2018-07-20",
        "projects": 3,
        "by_type": {
            "卫生室": {"total": 1, "started": 0, "completed": 0, "accepted": 0, "overdue": 0},
            "道路": {"total": 2, "started": 2, "completed": 1, "accepted": 1, "overdue": 1},
        },
        "funds": {
            "allocated": 162.1234,
            "disbursed": 110.0,
            "reimbursed": 100.0,
            "disbursement_rate": 67.85,
            "by_source": {
                "中央财政": {"allocated": 50.1234, "disbursed": 10.0, "reimbursed": 0.0},
                "统筹整合涉农资金": {"allocated": 112.0, "disbursed": 100.0, "reimbursed": 100.0},
            },
            "idle": ["A2"],
        },
        "overdue": ["A2"],
    }
    # Earlier, before the work started and before B1's money came: nothing late, nothing idle.
    call_command("projects_summary", "--as-of", "2018-05-01", "--format", "json")
    early = json.loads(capsys.readouterr().out)
    assert early["overdue"] == [] and early["funds"]["idle"] == []
    assert early["by_type"]["道路"]["completed"] == 0 and early["funds"]["allocated"] == 150.1234
    # HQ's setting: with 120 days A2's money is not idle yet.
    ProjectSettings.objects.create(idle_days=120)
    call_command("projects_summary", "--as-of", "2018-07-20", "--format", "json")
    assert json.loads(capsys.readouterr().out)["funds"]["idle"] == []


def test_summary_refuses_a_bad_date(world):
    with pytest.raises(CommandError, match="日期格式不对"):
        call_command("projects_summary", "--as-of", "2018-13-01")


def test_export_reads_back_and_template_has_dropdowns(world, tmp_path, capsys):
    call_command("projects_import", str(_ledger(world, tmp_path)))
    out = tmp_path / "导出.xlsx"
    call_command("projects_export", str(out))
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("项目").to_python()
    assert rows[0][:3] == ["项目编号", "项目名称", "项目类型"] and len(rows) == 4
    assert rows[1][2] == "道路" and rows[1][4] == "县交通局"
    capsys.readouterr()
    call_command("projects_import", str(out), "--dry-run")
    assert "项目 新增 0，修改 0，未变 3；资金 新增 0，修改 0，未变 3" in capsys.readouterr().out
    template = tmp_path / "模板.xlsx"
    call_command("projects_template", str(template))
    with zipfile.ZipFile(template) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if "worksheets/sheet" in n]
    assert any("<dataValidation" in xml and "代码表" in xml for xml in sheets)
