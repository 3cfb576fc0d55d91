"""The household files workbook: measures, bases, renovation and relocation; bad input refused
with sheet/row/column/value/reason and nothing written."""

from __future__ import annotations

import io

import pytest
import xlsxwriter

from tuopin.households.actions import apply_import
from tuopin.households.importer import NO_HOUSEHOLD, OUT_OF_SCOPE, plan_import
from tuopin.households.ledger_app import APP
from tuopin.households.models import Base, Measure, Relocation, Renovation
from tuopin.households.tests.conftest import NOW
from tuopin.ledger.models import LedgerImport
from tuopin.lib import clock
from tuopin.org.models import AuditEvent
from tuopin.org.testing import run_together
from tuopin.registry.models import Household


def build(sheets: dict[str, list[dict]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        keys = list(rows[0])
        for r, values in enumerate([keys] + [[row.get(k, "") for k in keys] for row in rows]):
            for c, value in enumerate(values):
                if value in ("", None):
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write_number(r, c, value)
    book.close()
    return buffer.getvalue()


def plan(sheets, user=None):
    with clock.frozen(NOW):
        return plan_import(APP.read(build(sheets), "t.xlsx"), user=user)


def problems(result):
    return [(p.sheet, p.row, p.column, p.value, p.reason) for p in result.problems]


def measure(number, kind="产业", day="2018-03-01", **extra):
    row = {
        "户编号": number,
        "措施类别": kind,
        "实施日期": day,
        "金额（元）": 2000,
        "措施内容": f"{kind}扶持",
        "产业类型": "",
        "规模": "",
        "联结基地编号": "",
    }
    row.update(extra)
    return row


def base(code="JD-01", place="610327100201", shuangbai="是"):
    return {
        "编号": code,
        "名称": "东关核桃基地",
        "类别": "产业基地",
        "所在地代码": place,
        "主导产业": "核桃",
        "双百基地": shuangbai,
    }


def test_measures_and_bases_import_and_reimport_changes_only_what_changed(homes, world):
    a = homes["a"].household_no
    sheets = {
        "基地合作社": [base()],
        "帮扶措施": [
            measure(a, 产业类型="核桃", 规模="5亩", 联结基地编号="JD-01"),
            measure(a, "公益性岗位", "2018-04-01"),
        ],
    }
    result = plan(sheets)
    assert problems(result) == []
    with clock.frozen(NOW):
        apply_import(result, filename="t.xlsx")
    assert Measure.objects.count() == 2
    linked = Measure.objects.get(kind="industry")
    assert linked.base == Base.objects.get(code="JD-01") and linked.scale == "5亩"
    assert AuditEvent.objects.filter(action="导入新建").count() == 3
    sheets["帮扶措施"][1]["金额（元）"] = 2500
    again = plan(sheets)
    assert again.counts["measures_changed"] == 1 and again.counts["measures_added"] == 0
    assert any("2000" in line and "2500" in line for line in again.change_lines)


def test_bad_rows_are_refused_and_nothing_is_written(homes, world, sites):
    a, f = homes["a"].household_no, homes["f"].household_no
    sheets = {
        "帮扶措施": [
            measure("610327100201999"),
            measure(homes["n"].household_no),
            measure(a, 联结基地编号="NOPE"),
            measure(a, "产业", "2030-01-01"),
        ],
        "危房改造": [
            {
                "户编号": a,
                "任务年度": 2018,
                "改造类型": "危房改造",
                "改造前等级": "D",
                "开工日期": "2018-05-01",
                "竣工日期": "2018-04-01",
                "核定补助（元）": 10000,
                "已拨付补助（元）": 12000,
            },
        ],
        "易地搬迁": [
            {
                "户编号": homes["b"].household_no,
                "安置方式": "集中安置",
                "安置点项目编号": "LU-01",
                "搬迁批次年度": 2018,
            },
            {
                "户编号": homes["c"].household_no,
                "安置方式": "集中安置",
                "安置点项目编号": "",
                "搬迁批次年度": 2018,
            },
        ],
    }
    result = plan(sheets)
    found = problems(result)
    assert ("帮扶措施", 2, "户编号", "610327100201999", NO_HOUSEHOLD) in found
    assert ("帮扶措施", 3, "户编号", homes["n"].household_no, NO_HOUSEHOLD) in found
    assert any(p[2] == "联结基地编号" and p[3] == "NOPE" for p in found)
    assert any(p[1] == 5 and p[2] == "实施日期" and "今天" in p[4] for p in found)
    assert ("危房改造", 2, "竣工日期", "2018-04-01", "不能早于开工日期（2018-05-01）") in found
    assert any(p[2] == "已拨付补助（元）" and "超过核定补助" in p[4] for p in found)
    assert ("易地搬迁", 2, "安置点项目编号", "LU-01", "该项目不是易地搬迁安置点项目") in found
    assert ("易地搬迁", 3, "安置点项目编号", "", "集中安置须填写安置点项目编号") in found
    assert not result.ok and not result.has_changes
    # a town cadre cannot file for another town's household
    scoped = plan({"帮扶措施": [measure(f)]}, user=world.cadre)
    assert problems(scoped) == [("帮扶措施", 2, "户编号", f, OUT_OF_SCOPE)]
    assert Measure.objects.count() == Renovation.objects.count() == Relocation.objects.count() == 0
    assert LedgerImport.objects.count() == 0


def test_an_accepted_renovation_updates_the_registry_grade_with_history(homes, sites):
    a = homes["a"].household_no
    rows = {
        "危房改造": [
            {
                "户编号": a,
                "任务年度": 2018,
                "改造类型": "土坯房拆改",
                "改造前等级": "D",
                "开工日期": "2018-03-01",
                "竣工日期": "2018-05-20",
                "达到入住条件日期": "2018-06-10",
                "入住日期": "2018-06-20",
                "核定补助（元）": 20000,
                "已拨付补助（元）": 15000,
                "验收日期": "2018-06-01",
                "验收后等级": "A",
            },
        ],
        "易地搬迁": [
            {
                "户编号": homes["b"].household_no,
                "安置方式": "集中安置",
                "安置点项目编号": "BQ-01",
                "搬迁批次年度": 2018,
                "住房竣工日期": "2018-05-01",
                "验收日期": "2018-05-10",
                "超面积": "是",
                "双超整改日期": "2018-06-01",
                "双超整改方式": "退还超面积款",
                "就业人数": 1,
            },
        ],
    }
    result = plan(rows)
    assert problems(result) == []
    with clock.frozen(NOW):
        apply_import(result, filename="t.xlsx")
    household = Household.objects.get(household_no=a)
    assert household.housing_grade == "A"
    assert household.housing_appraised_on.isoformat() == "2018-06-01"
    event = AuditEvent.objects.get(action="危房改造验收更新住房等级")
    assert event.changes["housing_grade"] == ["B", "A"]
    relocation = Relocation.objects.get()
    assert relocation.site == sites["relocation"] and relocation.over_area


def test_the_template_and_export_round_trip(homes, tmp_path):
    target = tmp_path / "template.xlsx"
    APP.write_template(target)
    sheets = APP.read(target.read_bytes(), "template.xlsx")
    assert set(sheets) == {"基地合作社", "帮扶措施", "危房改造", "易地搬迁"}


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_the_same_instant_each_record_their_own_new_rows(homes):
    """New rows get keys reserved before they are written, so each import's history names its
    own measures even when two imports run at once, at the same moment."""
    first = [measure(homes[k].household_no, day=f"2018-03-{d:02d}") for k in "ab" for d in (1, 2)]
    second = [measure(homes[k].household_no, "就业", day="2018-04-01") for k in "abcd"]
    with clock.frozen(NOW):
        plans = [APP.check(build({"帮扶措施": rows}), "t.xlsx") for rows in (first, second)]
    batches = run_together(
        [
            lambda p=p, name=name: apply_import(p, filename=name)
            for p, name in zip(plans, ("甲.xlsx", "乙.xlsx"), strict=True)
        ],
        at=NOW,
    )
    assert all(isinstance(batch, LedgerImport) for batch in batches), batches
    made = AuditEvent.objects.filter(action="导入新建", model="households.measure")
    by_measure = {}
    for object_id, note in made.values_list("object_id", "note"):
        by_measure.setdefault(int(object_id), []).append(note)
    kinds = dict(Measure.objects.values_list("pk", "kind"))
    assert sorted(by_measure) == sorted(kinds)  # every measure, and only measures, once each
    for pk, notes in by_measure.items():
        expected = "甲.xlsx" if kinds[pk] == "industry" else "乙.xlsx"
        assert len(notes) == 1 and notes[0].startswith(f"导入 {expected}"), (pk, notes)
