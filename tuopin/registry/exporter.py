"""Writing the registry workbook (the import layout) and the empty template.

The export is streamed (lib.xlsx_cells.streamed_workbook): rows come from the database through
``values_list().iterator()`` and leave as zipped bytes as they are read, so a county starts
downloading at once, and a county or a province exports in flat memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
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


def _iso(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


def _converter(column: Column, shown: Disclosure) -> Callable[[Any], Any] | None:
    """How a column's database value becomes its cell, decided once per column (a county has
    millions of cells); None: the value is the cell (text, a number, None for an empty cell)."""
    kind = column.kind
    if kind == "id_number":
        return lambda value: shown.citizen_id(value or "")
    if kind == "phone":
        return lambda value: shown.phone(value or "")
    if column.header == "出生日期":
        return lambda value: _iso(shown.birth_date(value))
    if column.header == "性别":
        return lambda value: _SEX.get(value, "")
    if kind == "bool":
        return _yes_no
    if kind == "choice":
        labels = _CHOICE_LABELS[column.field]
        return lambda value: labels.get(value, value) if value else ""
    if kind == "causes":
        return lambda value: "、".join(_CAUSE_LABELS.get(code, code) for code in value or [])
    if kind == "date":
        return _iso
    return None


def _cells(
    columns: tuple[Column, ...],
    rows: Iterable[tuple],
    shown: Disclosure,
    counts: dict[str, int],
    key: str,
) -> Iterator[list[Any]]:
    converted = [
        (index, convert)
        for index, convert in enumerate(_converter(column, shown) for column in columns)
        if convert is not None
    ]
    counts[key] = 0
    for row in rows:
        cells = list(row)
        for index, convert in converted:
            cells[index] = convert(cells[index])
        counts[key] += 1
        yield cells


def _header_formats(book) -> tuple[Any, Any, Any]:
    """(header, required header, text column) formats."""
    return (
        book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        book.add_format(
            {"bold": True, "bg_color": "#FCE4D6", "border": 1, "font_color": "#9C0006"}
        ),
        book.add_format({"num_format": "@"}),
    )


def _header_sheet(book, name: str, formats: tuple[Any, Any, Any]):
    header, required, text = formats
    sheet = book.add_worksheet(name)
    for index, column in enumerate(COLUMNS_BY_SHEET[name]):
        xlsx_cells.write_cell(
            sheet, 0, index, column.header, required if column.required else header
        )
        width = 20 if column.kind in ("id_number", "village_code", "text") else 12
        text_kinds = ("id_number", "village_code", "text", "phone")
        sheet.set_column(index, index, width, text if column.kind in text_kinds else None)
    sheet.freeze_panes(1, 0)
    return sheet


def _lay_out(book) -> None:
    formats = _header_formats(book)
    for name in SHEETS:
        _header_sheet(book, name, formats)


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


def registry_rows(
    villages: list[OrgUnit], households, shown: Disclosure, counts: dict[str, int]
) -> dict[str, Iterator[list[Any]]]:
    """The cells of each sheet's data rows, read lazily; ``counts`` receives the rows per sheet."""
    active = households.filter(is_active=True)
    household_rows = (
        active.order_by("household_no").values_list(*_household_fields()).iterator(chunk_size=5000)
    )
    person_rows = (
        Person.objects.filter(household__in=active.values("pk"), is_active=True)
        .order_by("household__household_no", "relationship", "id")
        .values_list(*_person_fields())
        .iterator(chunk_size=5000)
    )
    sources = (
        (VILLAGE_SHEET, _village_rows(villages), "villages"),
        (HOUSEHOLD_SHEET, household_rows, "households"),
        (PERSON_SHEET, person_rows, "persons"),
    )
    return {
        name: _cells(COLUMNS_BY_SHEET[name], rows, shown, counts, key)
        for name, rows, key in sources
    }


def stream_registry(
    *,
    villages: list[OrgUnit],
    households,
    shown: Disclosure,
    counts: dict[str, int] | None = None,
) -> Iterator[bytes]:
    """The workbook of the 村/户/人 sheets for ``villages`` and the ``households`` queryset (active
    only), produced while its rows are read; personal fields as ``shown`` allows (masked: no
    birth date either, see org.privacy). ``counts`` receives the rows written per sheet."""
    counts = {} if counts is None else counts
    return xlsx_cells.streamed_workbook(
        _lay_out, registry_rows(villages, households, shown, counts)
    )


def write_registry(
    target: str | Path | IO[bytes], *, villages: list[OrgUnit], households, shown: Disclosure
) -> dict[str, int]:
    """:func:`stream_registry` into a file; returns the rows written per sheet."""
    counts: dict[str, int] = {}
    chunks = stream_registry(villages=villages, households=households, shown=shown, counts=counts)
    if isinstance(target, str | Path):
        with open(target, "wb") as handle:
            handle.writelines(chunks)
    else:
        target.writelines(chunks)
    return counts


def write_template(target: str | Path | IO[bytes]) -> None:
    """The empty workbook with headers (required ones highlighted) and drop-down lists."""
    book = xlsx_cells.workbook(target)
    formats = _header_formats(book)
    lists = book.add_worksheet(CODE_SHEET)
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
        sheet = _header_sheet(book, name, formats)
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
    notes = book.add_worksheet("填表说明")
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
    book.close()
