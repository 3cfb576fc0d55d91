"""Writing the registry workbook (the import layout) and the empty template.

XlsxWriter in ``constant_memory`` mode writes each row to disk as it goes, and the rows come
from the database through ``iterator()``, so a county or a province exports in flat memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from xlsxwriter.utility import xl_col_to_name

from tuopin.lib import xlsx_cells
from tuopin.org.models import OrgUnit
from tuopin.org.privacy import Disclosure
from tuopin.registry import codes
from tuopin.registry.layout import (
    COLUMNS_BY_SHEET,
    HOUSEHOLD_SHEET,
    PERSON_SHEET,
    SHEETS,
    VILLAGE_SHEET,
    Column,
)
from tuopin.registry.models import Person, VillageFacts

CODE_SHEET = "代码表"
TEMPLATE_ROWS = 5000  # rows that get drop-down lists in the template
_SEX = codes.labels(codes.Sex)
_CHOICE_LABELS = {
    column.field: codes.labels(column.choices)
    for columns in COLUMNS_BY_SHEET.values()
    for column in columns
    if column.choices
}
_CAUSE_LABELS = codes.labels(codes.PovertyCause)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _cell(column: Column, value: Any, shown: Disclosure) -> Any:
    if column.kind == "id_number":
        return shown.citizen_id(value or "")
    if column.kind == "phone":
        return shown.phone(value or "")
    if column.header == "出生日期":
        value = shown.birth_date(value)
    kind = column.kind
    if kind == "bool":
        return _yes_no(value)
    if kind == "choice":
        return _CHOICE_LABELS[column.field].get(value, value) if value else ""
    if kind == "causes":
        return "、".join(_CAUSE_LABELS.get(code, code) for code in value or [])
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


class _Writer:
    def __init__(self, target: str | Path | IO[bytes], *, constant_memory: bool = True):
        self.book = xlsx_cells.workbook(target, constant_memory=constant_memory, in_memory=False)
        self.header = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.required = self.book.add_format(
            {"bold": True, "bg_color": "#FCE4D6", "border": 1, "font_color": "#9C0006"}
        )
        self.text = self.book.add_format({"num_format": "@"})

    def sheet(self, name: str):
        sheet = self.book.add_worksheet(name)
        columns = COLUMNS_BY_SHEET[name]
        for index, column in enumerate(columns):
            xlsx_cells.write_cell(
                sheet, 0, index, column.header, self.required if column.required else self.header
            )
            width = 20 if column.kind in ("id_number", "village_code", "text") else 12
            text_kinds = ("id_number", "village_code", "text", "phone")
            sheet.set_column(index, index, width, self.text if column.kind in text_kinds else None)
        sheet.freeze_panes(1, 0)
        return sheet

    def rows(
        self, sheet, columns: tuple[Column, ...], rows: Iterable[tuple], shown: Disclosure
    ) -> int:
        write_cell = xlsx_cells.write_cell
        count = 0
        for number, row in enumerate(rows, start=1):
            for index, (column, value) in enumerate(zip(columns, row, strict=True)):
                write_cell(sheet, number, index, _cell(column, value, shown))
            count += 1
        return count

    def close(self) -> None:
        self.book.close()


def _village_rows(villages: Iterable[OrgUnit]) -> Iterable[tuple]:
    facts = {f.village_id: f for f in VillageFacts.objects.filter(village__in=villages)}
    for village in villages:
        fact = facts.get(village.pk)
        if fact is None:
            yield (
                village.code,
                village.name,
                village.is_poor_village,
                None,
                None,
                None,
                None,
                None,
                None,
            )
            continue
        yield (
            village.code,
            village.name,
            village.is_poor_village,
            fact.paved_road,
            fact.standard_clinic,
            fact.collective_economy,
            fact.natural_villages_30plus,
            fact.natural_villages_30plus_with_power,
            fact.tap_water,
        )


def _household_fields() -> list[str]:
    names = []
    for column in COLUMNS_BY_SHEET[HOUSEHOLD_SHEET]:
        if column.header == "家庭人口":
            names.append("member_count")
        elif column.field == "village_id":
            names.append("village__code")
        else:
            names.append(column.field)
    return names


def _person_fields() -> list[str]:
    names = []
    for column in COLUMNS_BY_SHEET[PERSON_SHEET]:
        if column.field == "household_no":
            names.append("household__household_no")
        elif column.header == "性别":
            names.append("sex")
        elif column.header == "出生日期":
            names.append("birth_date")
        else:
            names.append(column.field)
    return names


_PERSON_DERIVED = {"性别": lambda v: _SEX.get(v, v)}


def write_registry(
    target: str | Path | IO[bytes],
    *,
    villages: list[OrgUnit],
    households,
    shown: Disclosure,
) -> dict[str, int]:
    """Write the 村/户/人 sheets for ``villages`` and the ``households`` queryset (active only);
    personal fields as ``shown`` allows (masked: no birth date either, see org.privacy)."""
    writer = _Writer(target)
    counts = {}
    sheet = writer.sheet(VILLAGE_SHEET)
    counts["villages"] = writer.rows(
        sheet, COLUMNS_BY_SHEET[VILLAGE_SHEET], _village_rows(villages), shown
    )

    sheet = writer.sheet(HOUSEHOLD_SHEET)
    active = households.filter(is_active=True)
    rows = (
        active.order_by("household_no").values_list(*_household_fields()).iterator(chunk_size=5000)
    )
    counts["households"] = writer.rows(sheet, COLUMNS_BY_SHEET[HOUSEHOLD_SHEET], rows, shown)

    sheet = writer.sheet(PERSON_SHEET)
    person_columns = COLUMNS_BY_SHEET[PERSON_SHEET]
    sex_index = next(i for i, c in enumerate(person_columns) if c.header == "性别")
    persons = (
        Person.objects.filter(household__in=active.values("pk"), is_active=True)
        .order_by("household__household_no", "relationship", "id")
        .values_list(*_person_fields())
        .iterator(chunk_size=5000)
    )
    persons = (
        (*row[:sex_index], _SEX.get(row[sex_index], ""), *row[sex_index + 1 :]) for row in persons
    )
    counts["persons"] = writer.rows(sheet, person_columns, persons, shown)
    writer.close()
    return counts


def write_template(target: str | Path | IO[bytes]) -> None:
    """The empty workbook with headers (required ones highlighted) and drop-down lists."""
    writer = _Writer(target, constant_memory=False)
    lists = writer.book.add_worksheet(CODE_SHEET)
    sources: dict[str, str] = {}
    wanted: dict[str, list[str]] = {"是否": ["是", "否"]}
    for columns in COLUMNS_BY_SHEET.values():
        for column in columns:
            if column.choices is not None and column.field not in wanted:
                wanted[column.field] = [str(label) for _, label in column.choices.choices]
    for column_number, (key, labels) in enumerate(wanted.items()):
        xlsx_cells.write_cell(lists, 0, column_number, key)
        for row, label in enumerate(labels, start=1):
            xlsx_cells.write_cell(lists, row, column_number, label)
        letter = xl_col_to_name(column_number)
        sources[key] = f"='{CODE_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
    for name in SHEETS:
        sheet = writer.sheet(name)
        for index, column in enumerate(COLUMNS_BY_SHEET[name]):
            source = sources.get("是否") if column.kind == "bool" else sources.get(column.field)
            if source is None or column.kind == "causes":
                continue
            sheet.data_validation(
                1,
                index,
                TEMPLATE_ROWS,
                index,
                {
                    "validate": "list",
                    "source": source,
                    "error_title": "取值不在代码表中",
                    "error_message": f"“{column.header}”请从下拉列表中选择",
                },
            )
    notes = writer.book.add_worksheet("填表说明")
    lines = [
        "填表说明",
        "1. 工作表“村”“户”“人”的表头请勿修改；红色表头为必填列，可以增加其他列（导入时忽略）。",
        "2. 证件号码、户编号、村代码请使用“文本”格式，避免 Excel 把长数字改写。",
        "3. 是/否、代码类字段请从下拉列表中选择；其他致贫原因最多两项，用“、”分隔。",
        "4. 收入和支出为全年金额（元）；供水保证率为百分数（如 95）。",
        "5. 性别、出生日期由证件号码自动得出；家庭人口按“人”表自动计算。",
        "6. 导入时按户编号和证件号码更新已有档案，文件中没有的户不受影响。",
    ]
    for row, line in enumerate(lines):
        xlsx_cells.write_cell(notes, row, 0, line)
    notes.set_column(0, 0, 100)
    lists.hide()
    writer.close()
