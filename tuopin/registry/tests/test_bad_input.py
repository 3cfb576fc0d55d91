from __future__ import annotations

import io
import zipfile

import pytest

from tuopin.lib import clock, xlsx_guard
from tuopin.lib.tables import TableError, read_table
from tuopin.registry.actions import apply_import
from tuopin.registry.importer import plan_import
from tuopin.registry.models import Household, Person
from tuopin.registry.reader import WorkbookRefused, read_workbook
from tuopin.registry.tests.helpers import HEAD_ID, build, build_xls, headers, small_workbook

NOW = "2018-07-20T10:00:00+08:00"


def plan_of(data: bytes, name: str = "t.xlsx"):
    with clock.frozen(NOW):
        return plan_import(read_workbook(data, name))


def test_it_refuses_a_wrong_file_type():
    with pytest.raises(WorkbookRefused, match=r"不支持的文件类型“\.csv”"):
        read_workbook(b"a,b\n1,2\n", "data.csv")


def test_it_refuses_a_file_that_is_not_a_workbook():
    with pytest.raises(WorkbookRefused, match=r"不是有效的 \.xlsx 工作簿"):
        read_workbook(b"%PDF-1.4 not a zip", "renamed.xlsx")


def test_it_refuses_a_workbook_without_registry_sheets():
    data = build({"Sheet1": [["a"], ["b"]]})
    with pytest.raises(WorkbookRefused, match="没有“村”“户”“人”任何一个工作表"):
        read_workbook(data, "t.xlsx")


def test_it_refuses_a_zip_bomb_before_reading(monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 30_000_000)
    with pytest.raises(WorkbookRefused, match="压缩比异常"):
        read_workbook(buffer.getvalue(), "bomb.xlsx")
    monkeypatch.setattr(xlsx_guard, "MAX_UNCOMPRESSED_BYTES", 1_000_000)
    with pytest.raises(WorkbookRefused, match="解压后约 30 MB，超过上限 1 MB"):
        read_workbook(buffer.getvalue(), "bomb.xlsx")


def test_it_refuses_a_sheet_whose_used_range_reaches_row_a_million(world):
    sheets = small_workbook(world)
    rows = [list(sheets["人"][0])] + [list(r.values()) for r in sheets["人"]]
    rows += [[] for _ in range(20)]
    data = build({"户": sheets["户"], "人": rows})
    # Put a stray value in the last row Excel allows: the dimension becomes A1:O1048576.
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("人")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    sheet.write_string(1_048_575, 0, " ")
    book.close()
    with pytest.raises(WorkbookRefused, match="1,048,576 行"):
        read_workbook(buffer.getvalue(), "t.xlsx")
    assert data  # the well-formed variant reads fine
    read_workbook(data, "t.xlsx")


def test_it_ignores_trailing_empty_rows_and_reports_them(world):
    sheets = small_workbook(world)
    keys = list(sheets["人"][0])
    rows = (
        [keys] + [[r[k] for k in keys] for r in sheets["人"]] + [[" ", "", ""] for _ in range(500)]
    )
    data = build({"村": sheets["村"], "户": sheets["户"], "人": rows})
    plan = plan_of(data)
    assert plan.ok, [str(p) for p in plan.problems]
    assert "工作表“人”末尾的 500 个空行已忽略" in plan.notices


def test_it_finds_the_header_row_below_a_merged_title(world):
    import xlsxwriter

    sheets = small_workbook(world)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        keys = list(rows[0])
        sheet.merge_range(0, 0, 0, len(keys) - 1, f"陇县{name}信息表")
        for c, key in enumerate(keys):
            sheet.write_string(1, c, key)
        for r, row in enumerate(rows, start=2):
            for c, key in enumerate(keys):
                if row[key] != "":
                    sheet.write(r, c, row[key])
    book.close()
    plan = plan_of(buffer.getvalue())
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.counts["persons_added"] == 4


def test_it_reports_merged_header_cells_as_missing_columns(world):
    import xlsxwriter

    sheets = small_workbook(world)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("人")
    keys = list(sheets["人"][0])
    for c, key in enumerate(keys):
        if key not in ("参加新农合", "参加大病保险"):
            sheet.write_string(0, c, key)
    first = keys.index("参加新农合")
    sheet.merge_range(0, first, 0, first + 1, "参加保险")
    for r, row in enumerate(sheets["人"], start=1):
        for c, key in enumerate(keys):
            if row[key] != "":
                sheet.write(r, c, row[key])
    book.close()
    plan = plan_of(buffer.getvalue())
    assert [(p.sheet, p.row, p.column) for p in plan.problems] == [
        ("人", 1, "参加新农合"),
        ("人", 1, "参加大病保险"),
    ]


def test_it_normalises_text_numbers_full_width_digits_and_spaces(world):
    sheets = small_workbook(world)
    full = HEAD_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    sheets["人"][0]["证件号码"] = f" {full} "
    sheets["户"][0]["工资性收入"] = "12,000.00"
    sheets["户"][0]["户主姓名"] = "张建国  "
    sheets["户"][0]["村代码"] = f"{world.cg_village.code} "
    sheets["户"][0]["住房等级"] = "Ｂ"
    sheets["户"][0]["取水往返分钟"] = "０"
    data = build(sheets)
    plan = plan_of(data)
    assert plan.ok, [str(p) for p in plan.problems]
    assert any("以文本形式存储的数字" in n for n in plan.notices)
    assert any("去除了首尾空格、全角字符" in n for n in plan.notices)
    with clock.frozen(NOW):
        apply_import(plan, filename="t.xlsx")
    household = Household.objects.get(head_id_number=HEAD_ID)
    assert (household.head_name, str(household.wage_income), household.housing_grade) == (
        "张建国",
        "12000.00",
        "B",
    )
    assert Person.objects.filter(id_number=HEAD_ID).count() == 1


def test_it_explains_an_id_stored_as_a_number(world):
    sheets = small_workbook(world)
    sheets["人"][1]["证件号码"] = 610327197203052200
    plan = plan_of(build(sheets))
    assert plan.problems[0].reason.startswith("证件号码被存成了数字")
    assert (plan.problems[0].sheet, plan.problems[0].row) == ("人", 3)


def test_it_merges_exact_duplicate_rows_and_reports_them(world):
    sheets = small_workbook(world)
    sheets["人"].append(dict(sheets["人"][1]))
    sheets["户"].append(dict(sheets["户"][1]))
    plan = plan_of(build(sheets))
    assert plan.ok, [str(p) for p in plan.problems]
    assert "“人”表第 6 行与前面的行完全相同，已按一行导入（共 1 行）" in plan.notices
    assert "“户”表第 4 行与前面的行完全相同，已按一行导入（共 1 行）" in plan.notices
    assert plan.counts["persons_added"] == 4


def test_it_refuses_duplicate_household_numbers_with_different_content(world):
    sheets = small_workbook(world)
    copy = dict(sheets["户"][1])
    copy["户主姓名"] = "别人"
    sheets["户"].append(copy)
    plan = plan_of(build(sheets))
    assert [(p.sheet, p.row, p.column) for p in plan.problems] == [("户", 4, "户编号")]


def test_it_reads_a_percentage_formatted_cell(world):
    sheets = small_workbook(world)
    sheets["户"][0]["供水保证率"] = 0.955
    plan = plan_of(build(sheets))
    assert plan.ok
    assert plan.new_households[0]["water_reliability"] == pytest.approx(95.5)


def test_headers_cover_the_issue_columns():
    assert headers("村")[:8] == [
        "村代码", "村名", "是否贫困村", "通硬化路", "标准化卫生室", "集体经济或合作组织",
        "30户以上自然村数", "通动力电自然村数",
    ]  # fmt: skip


def test_the_shared_table_reader_reads_xls_and_refuses_a_renamed_page():
    data = build_xls({"走访表": [{"户编号": "6103270001", "人数": 3}]})
    table = read_table(io.BytesIO(data), filename="走访.xls", sheet="走访表")
    assert (table.headers, table.rows) == (
        ["户编号", "人数"],
        [(2, {"户编号": "6103270001", "人数": 3})],
    )
    with pytest.raises(TableError, match="内容不是 Excel 97–2003 工作簿"):
        read_table(io.BytesIO(b"<table></table>"), filename="走访.xls")
