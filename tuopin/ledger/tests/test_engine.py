"""The ledger engine on its own: a toy ledger declares one sheet and gets reading, checks with
sheet/row/column/value/reason, the template with drop-down lists, the streamed export that reads
back, and staged uploads."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
import zipfile
from decimal import Decimal

import pytest
from django.db import models

from tuopin.ledger import workbook
from tuopin.ledger.cells import CellReader, LedgerPlan, common_prefix, parse_sheet
from tuopin.ledger.layout import Column, Ledger, choice_lookup
from tuopin.ledger.reader import WorkbookRefused, read_workbook
from tuopin.ledger.staging import Stage
from tuopin.lib import xlsx_cells


class Colour(models.TextChoices):
    RED = "red", "红"
    GREEN = "green", "绿"


TOY = Ledger(
    key="toy",
    title="玩具台账",
    sheets={
        "物品": (
            Column("编号", "code", "text", True, blank_ok=False),
            Column("颜色", "colour", "choice", True, Colour, blank_ok=False),
            Column("购入日期", "bought", "date"),
            Column("到期", "due", "day"),
            Column("价格", "price", "money"),
            Column("在用", "in_use", "bool"),
        )
    },
    notes=("填表说明", "1. 玩具而已。"),
)


class ToyReader(CellReader):
    choice_tables = {Colour: choice_lookup(Colour)}


def _book(rows: list[list]) -> bytes:
    buffer = io.BytesIO()
    book = xlsx_cells.workbook(buffer)
    sheet = book.add_worksheet("物品")
    xlsx_cells.write_row(sheet, 0, 0, ["玩具台账（标题行）"])
    xlsx_cells.write_row(sheet, 1, 0, ["编号*", "颜色", "购入日期", "到期", "价格 ", "在用"])
    for index, row in enumerate(rows, start=2):
        xlsx_cells.write_row(sheet, index, 0, row)
    book.close()
    return buffer.getvalue()


def _parse(data: bytes):
    plan = LedgerPlan()
    sheets = read_workbook(data, "toy.xlsx", TOY)
    parsed = parse_sheet(plan, sheets["物品"], dt.date(2018, 7, 20), TOY, ToyReader)
    return plan, parsed


def test_a_declared_ledger_is_read_and_checked_cell_by_cell():
    plan, parsed = _parse(
        _book(
            [
                ["A1", "红", "2018-05-01", "2019-01-01", "1,234.5", "是"],
                ["A2", "green", "2018/6/2", "", 12, "否"],
                ["A3", "蓝", "2018-13-01", "明年", -1, "也许"],
                ["A4", "绿", "2018-08-01", "2250-01-01", "", ""],
                ["", "", "", "", "", ""],
            ]
        )
    )
    columns, rows = parsed
    assert rows == 4  # the trailing empty row is dropped (and noticed)
    assert columns["colour"][:2] == ["red", "green"]
    assert columns["price"][0] == Decimal("1234.50")
    assert columns["bought"][1] == dt.date(2018, 6, 2)
    assert columns["due"][0] == dt.date(2019, 1, 1)  # a planned date may lie ahead
    problems = [(p.sheet, p.row, p.column, p.value, p.reason[:8]) for p in plan.problems]
    assert problems == [
        ("物品", 5, "颜色", "蓝", "不是有效的取值，"),
        ("物品", 5, "购入日期", "2018-13-01", "应为日期，如 2"),
        ("物品", 6, "购入日期", "2018-08-01", "日期不能晚于今天"),
        ("物品", 5, "到期", "明年", "应为日期，如 2"),
        ("物品", 6, "到期", "2250-01-01", "日期应在 190"),
        ("物品", 5, "价格", "-1.0", "不能为负数"),
        ("物品", 5, "在用", "也许", "应填写“是”或“"),
    ]
    assert str(plan.problems[0]).startswith("“物品”表第5行“颜色”列（值：蓝）：")
    assert not plan.ok


def test_a_missing_required_column_stops_the_sheet():
    buffer = io.BytesIO()
    book = xlsx_cells.workbook(buffer)
    xlsx_cells.write_row(book.add_worksheet("物品"), 0, 0, ["编号", "价格"])
    book.close()
    plan, parsed = _parse(buffer.getvalue())
    assert parsed is None
    assert [(p.column, p.reason[:5]) for p in plan.problems] == [("颜色", "缺少必填列")]


def test_what_is_not_the_ledgers_workbook_is_refused():
    with pytest.raises(WorkbookRefused, match="没有“物品”工作表"):
        buffer = io.BytesIO()
        book = xlsx_cells.workbook(buffer)
        book.add_worksheet("别的")
        book.close()
        read_workbook(buffer.getvalue(), "x.xlsx", TOY)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 300_000_000)
    with pytest.raises(WorkbookRefused):
        read_workbook(bomb.getvalue(), "x.xlsx", TOY)


def test_template_has_drop_downs_and_the_export_reads_back():
    template = io.BytesIO()
    workbook.write_template(template, TOY)
    with zipfile.ZipFile(io.BytesIO(template.getvalue())) as archive:
        sheets = {n: archive.read(n).decode() for n in archive.namelist() if "worksheets/" in n}
    validations = "".join(sheets.values())
    assert validations.count("<dataValidation ") == 2  # 颜色 and 在用
    assert "代码表" in validations
    counts: dict[str, int] = {}
    rows = workbook.converted_rows(
        TOY.sheets["物品"],
        iter([("B1", "red", "2018-07-01", "", 3, True)]),
        lambda column: (lambda v: dict(Colour.choices)[v]) if column.kind == "choice" else None,
        counts,
        "items",
    )
    exported = b"".join(workbook.stream(TOY, {"物品": rows}))
    plan, parsed = _parse(exported)
    assert plan.ok and counts == {"items": 1} and parsed[0]["colour"] == ["red"]


def test_staged_uploads_wait_a_day(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    stage = Stage("toy-imports", "toy_import")

    class Upload(io.BytesIO):
        name = "../../玩具.xlsx"

        def chunks(self):
            yield self.getvalue()

    staged = stage.keep(Upload(b"PK data"))
    assert staged.path.parent == tmp_path / "toy-imports" and staged.filename == "玩具.xlsx"
    assert len(staged.sha256) == 64 and staged.path.read_bytes() == b"PK data"
    old = time.time() - 2 * 24 * 3600
    os.utime(staged.path, (old, old))
    stage.forget_abandoned()
    assert not staged.path.exists()


def test_common_prefix_stops_at_a_level():
    assert common_prefix(["610327100201", "610327100202"]) == "610327100"
    assert common_prefix(["610327100201", "610327101201"]) == "610327"
    assert common_prefix(["610327100201"]) == "610327100201"
    assert common_prefix([]) == ""
