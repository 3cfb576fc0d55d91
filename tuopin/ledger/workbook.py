"""Writing a ledger's workbooks: the empty template with drop-down lists and the streamed export.

Both follow the ledger's declaration (sheets, headers, required columns in red, code lists), so
what is exported reads back in. The export is streamed (lib.xlsx_cells.streamed_workbook): rows
leave as zipped bytes while they are read, in flat memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from xlsxwriter.utility import xl_col_to_name

from tuopin.ledger.layout import Column, Ledger
from tuopin.lib import xlsx_cells

YES_NO = "是否"


def header_formats(book) -> tuple[Any, Any, Any]:
    """(header, required header, text column) formats."""
    return (
        book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        book.add_format(
            {"bold": True, "bg_color": "#FCE4D6", "border": 1, "font_color": "#9C0006"}
        ),
        book.add_format({"num_format": "@"}),
    )


def header_sheet(book, ledger: Ledger, name: str, formats: tuple[Any, Any, Any]):
    header, required, text = formats
    sheet = book.add_worksheet(name)
    for index, column in enumerate(ledger.sheets[name]):
        xlsx_cells.write_cell(
            sheet, 0, index, column.header, required if column.required else header
        )
        width = 20 if column.kind in ledger.wide_kinds else 12
        sheet.set_column(index, index, width, text if column.kind in ledger.text_kinds else None)
    sheet.freeze_panes(1, 0)
    return sheet


def lay_out(ledger: Ledger) -> Callable[[Any], None]:
    """The callback that adds the ledger's header sheets to a streamed workbook."""

    def lay(book) -> None:
        formats = header_formats(book)
        for name in ledger.sheet_names:
            header_sheet(book, ledger, name, formats)

    return lay


def converted_rows(
    columns: tuple[Column, ...],
    rows: Iterable[tuple],
    converter: Callable[[Column], Callable[[Any], Any] | None],
    counts: dict[str, int],
    key: str,
) -> Iterator[list[Any]]:
    """A sheet's cells from database rows; ``converter(column)`` decides once per column how its
    value becomes a cell (None: the value is the cell); ``counts[key]`` counts the rows."""
    converted = [
        (index, convert)
        for index, convert in enumerate(converter(column) for column in columns)
        if convert is not None
    ]
    counts[key] = 0
    for row in rows:
        cells = list(row)
        for index, convert in converted:
            cells[index] = convert(cells[index])
        counts[key] += 1
        yield cells


def stream(ledger: Ledger, rows_by_sheet: dict[str, Iterator[list[Any]]]) -> Iterator[bytes]:
    """The workbook of the ledger's sheets, produced while ``rows_by_sheet`` is read."""
    return xlsx_cells.streamed_workbook(lay_out(ledger), rows_by_sheet)


def write_stream(chunks: Iterator[bytes], target: str | Path | IO[bytes]) -> None:
    if isinstance(target, str | Path):
        with open(target, "wb") as handle:
            handle.writelines(chunks)
    else:
        target.writelines(chunks)


def write_template(target: str | Path | IO[bytes], ledger: Ledger) -> None:
    """The empty workbook with headers (required ones highlighted), drop-down lists for code
    lists and yes/no columns (from a hidden 代码表 sheet) and a 填表说明 sheet."""
    book = xlsx_cells.workbook(target)
    formats = header_formats(book)
    lists = book.add_worksheet(ledger.code_sheet)
    sources: dict[str, str] = {}
    wanted: dict[str, list[str]] = {YES_NO: ["是", "否"]}
    for columns in ledger.sheets.values():
        for column in columns:
            if column.choices is not None and column.field not in wanted:
                wanted[column.field] = [str(label) for _, label in column.choices.choices]
    for column_number, (key, labels) in enumerate(wanted.items()):
        xlsx_cells.write_cell(lists, 0, column_number, key)
        for row, label in enumerate(labels, start=1):
            xlsx_cells.write_cell(lists, row, column_number, label)
        letter = xl_col_to_name(column_number)
        sources[key] = f"='{ledger.code_sheet}'!${letter}$2:${letter}${len(labels) + 1}"
    for name in ledger.sheet_names:
        sheet = header_sheet(book, ledger, name, formats)
        for index, column in enumerate(ledger.sheets[name]):
            source = sources.get(YES_NO) if column.kind == "bool" else sources.get(column.field)
            if source is None or column.kind in ledger.no_dropdown_kinds:
                continue
            sheet.data_validation(
                1,
                index,
                ledger.template_rows,
                index,
                {
                    "validate": "list",
                    "source": source,
                    "error_title": "取值不在代码表中",
                    "error_message": f"“{column.header}”请从下拉列表中选择",
                },
            )
    notes = book.add_worksheet("填表说明")
    for row, line in enumerate(ledger.notes):
        xlsx_cells.write_cell(notes, row, 0, line)
    notes.set_column(0, 0, 100)
    lists.hide()
    book.close()
