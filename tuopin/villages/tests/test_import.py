"""The roster and training workbook through the ledger engine: all or nothing, with sheet, row,
column, value and reason; template and export with Chinese headers; phones masked on export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from tuopin.ledger.models import LedgerImport
from tuopin.lib import clock
from tuopin.villages.codes import Team
from tuopin.villages.exporter import export_bytes
from tuopin.villages.ledger_app import APP
from tuopin.villages.models import TeamMember, TrainingAttendance, TrainingSession
from tuopin.villages.tests.helpers import member_row, training_row, workbook

NOW = "2018-07-20T10:00:00+08:00"


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


def _rows(data: bytes, sheet: str) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python()


def _import(world, data: bytes, user=None):
    plan = APP.check(data, "队伍.xlsx", user or world.hq)
    if plan.ok:
        APP.apply(plan, actor=user or world.hq, filename="队伍.xlsx")
    return plan


def test_roster_and_training_import_then_reimport_updates(world):
    code = world.cg_village.code
    rows = [
        member_row(code),
        member_row(code, 姓名="钱进", 手机="13800000002", 队伍类别="第一书记"),
    ]
    plan = _import(world, workbook(rows, [training_row(code)]))
    assert plan.ok, plan.problems
    assert TeamMember.objects.count() == 2
    assert TrainingSession.objects.get().kind == "rotation"
    assert TrainingAttendance.objects.count() == 1
    rows[0]["离岗日期"] = "2018-07-01"
    plan = _import(world, workbook(rows, [training_row(code)]))
    assert plan.counts["members_changed"] == 1 and plan.counts["attendance_added"] == 0
    assert any("离岗日期" in line for line in plan.change_lines)
    assert TeamMember.objects.get(phone="13800000001").ended_on == dt.date(2018, 7, 1)
    assert LedgerImport.objects.filter(ledger="villages").count() == 2


def test_a_member_in_two_villages_in_the_file_refuses_everything(world):
    rows = [
        member_row(world.cg_village.code),
        member_row(world.df_village.code, 队伍类别="村两委"),
        member_row(world.cg_village2.code, 姓名="帮扶人", 手机="13800000009", 队伍类别="帮扶干部"),
        member_row(world.df_village2.code, 姓名="帮扶人", 手机="13800000009", 队伍类别="帮扶干部"),
    ]
    plan = _import(world, workbook(rows))
    assert not plan.ok
    reasons = [(p.sheet, p.row, p.column, p.value) for p in plan.problems]
    assert ("队伍", 2, "手机", "13800000001") in reasons
    assert ("队伍", 3, "手机", "13800000001") in reasons
    assert all(p.value != "13800000009" for p in plan.problems)  # helpers may serve two
    assert not TeamMember.objects.exists()


def test_bad_cells_are_listed_with_row_column_value_and_reason(world):
    rows = [
        member_row("61032710020", 姓名="张三"),
        member_row(world.cg_village.code, 队伍类别="队长", 手机="13800000003"),
        member_row(world.cg_village.code, 手机="abc"),
        member_row(world.cg_village.code, 手机="13800000004", 到岗日期="2018-09-01"),
        member_row(world.cg_village.code, 手机="13800000005", 离岗日期="2018-01-01"),
    ]
    plan = _import(world, workbook(rows, [training_row(world.cg_village.code, 手机="1")]))
    found = {(p.row, p.column) for p in plan.problems if p.sheet == "队伍"}
    assert {(2, "村代码"), (3, "队伍类别"), (4, "手机"), (5, "到岗日期"), (6, "离岗日期")} <= found
    assert any(p.sheet == "培训" and p.column == "手机" for p in plan.problems)
    assert not TeamMember.objects.exists() and not TrainingSession.objects.exists()


def test_a_town_cannot_import_another_towns_village(world):
    plan = _import(world, workbook([member_row(world.df_village.code)]), world.cadre)
    assert [p.reason for p in plan.problems] == ["不在您的管辖范围内"]
    assert not TeamMember.objects.exists()


def test_template_and_export_have_chinese_headers_and_masked_phones(world, tmp_path):
    path = tmp_path / "模板.xlsx"
    call_command("villages_template", str(path))
    headers = _rows(path.read_bytes(), "队伍")[0]
    assert headers[:4] == ["村代码", "村名", "队伍类别", "姓名"]
    _import(
        world, workbook([member_row(world.cg_village.code)], [training_row(world.cg_village.code)])
    )
    data = export_bytes(world.inspector)
    row = _rows(data, "队伍")[1]
    assert row[2] == "驻村工作队" and row[6] == "138****0001"
    assert _rows(export_bytes(world.cadre), "队伍")[1][6] == "13800000001"
    # The export imports again without change.
    plan = APP.check(export_bytes(world.hq), "导出.xlsx", world.hq)
    assert plan.ok and not plan.has_changes, plan.problems
    assert TeamMember.objects.get().team == Team.WORK_TEAM


def test_the_command_imports_all_or_nothing(world, tmp_path):
    good = tmp_path / "好.xlsx"
    good.write_bytes(workbook([member_row(world.cg_village.code)]))
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(workbook([member_row(world.cg_village.code, 手机="x")]))
    call_command("villages_import", str(good), "--dry-run")
    assert not TeamMember.objects.exists()
    call_command("villages_import", str(good))
    assert TeamMember.objects.count() == 1
    out = tmp_path / "导出.xlsx"
    call_command("villages_export", str(out))
    assert _rows(out.read_bytes(), "队伍")[1][6] == "13800000001"
    with pytest.raises(Exception, match="有文件未导入"):
        call_command("villages_import", str(bad))


def test_the_web_import_reviews_then_writes(world, login, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    client = login(world.cadre)
    data = workbook([member_row(world.cg_village.code)], [training_row(world.cg_village.code)])
    upload = SimpleUploadedFile("花名册.xlsx", data)
    review = client.post("/villages/import/", {"file": upload})
    assert review.status_code == 200 and "新增成员" in review.content.decode()
    assert not TeamMember.objects.exists()
    token = review.context["token"]
    done = client.post("/villages/import/confirm/", {"token": token})
    assert done.status_code == 302 and TeamMember.objects.count() == 1
    assert "队伍成员新增 1 人" in client.get("/villages/imports/").content.decode()
    bad = SimpleUploadedFile("坏.xlsx", workbook([member_row(world.df_village.code)]))
    refused = client.post("/villages/import/", {"file": bad})
    assert refused.status_code == 400 and "不在您的管辖范围内" in refused.content.decode()
