"""Writing spreadsheet cells safely: every workbook the project produces goes through here.

Text from users (a case title, a reporter's name, a village name) may start with ``=``, ``+``,
``-`` or ``@``; written with XlsxWriter's generic ``write`` such text becomes a live formula
that runs in the reader's Excel (CSV/formula injection). Here text is always written as a string
cell, and the workbook options turn XlsxWriter's string-to-formula/number/URL guesses off as a
second fence, so no user text can become anything but text.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from stream_zip import ZIP_32, stream_zip
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

# XlsxWriter's own guesses, all off: a string is a string.
SAFE_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


def workbook(target: str | Path | IO[bytes], **options: Any) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook that never turns a string into a formula, number or link."""
    return xlsxwriter.Workbook(
        target, {"default_date_format": "yyyy-mm-dd", **options, **SAFE_OPTIONS}
    )


def write_cell(
    sheet: Worksheet, row: int, column: int, value: Any, cell_format: Format | None = None
) -> None:
    """Write ``value`` by its Python type; text (whatever it starts with) is a string cell."""
    if value is None or value == "":
        if cell_format is not None:
            sheet.write_blank(row, column, None, cell_format)
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value, cell_format)
    elif isinstance(value, int | float | Decimal):
        number = float(value)
        if math.isfinite(number):
            sheet.write_number(row, column, number, cell_format)
        else:
            sheet.write_string(row, column, str(value), cell_format)
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        sheet.write_datetime(row, column, value, cell_format)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, column, value, cell_format)
    else:
        sheet.write_string(row, column, str(value), cell_format)


def write_row(
    sheet: Worksheet,
    row: int,
    column: int,
    values: Iterable[Any],
    cell_format: Format | None = None,
) -> None:
    for offset, value in enumerate(values):
        write_cell(sheet, row, column + offset, value, cell_format)


# ---------------------------------------------------------------------------------------------
# Streaming: a workbook sent while its rows are still being read.
#
# XlsxWriter assembles the zip only when the workbook closes, so a large export could not send a
# byte before its last row was written. Here XlsxWriter still lays the workbook out (sheets,
# header rows, formats, column widths, frozen panes) and the data rows are encoded as the same
# cells it writes in constant_memory mode (inline strings, never formulas) and zipped as they
# come by stream-zip. Text is always an inline string cell: no user text can become a formula.

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
# Text that is more than plain characters: markup to escape, control characters, or leading or
# trailing whitespace that needs xml:space="preserve" (the checks XlsxWriter makes per cell).
_SPECIAL_TEXT = re.compile(r"^\s|[&<>\x00-\x08\x0b-\x1f]|\s$")
_COLUMN_STYLE = re.compile(r'<col min="(\d+)" max="(\d+)"[^>]*? style="(\d+)"')
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')
STREAM_CHUNK_ROWS = 500  # rows encoded per chunk handed to the zip stream


def _text(value: str) -> str:
    preserve = value[:1].isspace() or value[-1:].isspace()
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", value)
    return (
        f'<is><t xml:space="preserve">{value}</t></is>' if preserve else f"<is><t>{value}</t></is>"
    )


def _cell_xml(reference: str, style: str, value: Any) -> str:
    """One ``<c>`` element as XlsxWriter writes it for ``write_cell`` (no dates: write text)."""
    if isinstance(value, bool):
        return f'<c r="{reference}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        number = float(value)
        if math.isfinite(number):
            return f'<c r="{reference}"{style}><v>{number:.16G}</v></c>'
    elif isinstance(value, dt.date):
        raise TypeError("streamed workbooks take dates as text")
    return f'<c r="{reference}"{style} t="inlineStr">{_text(str(value))}</c>'


def _sheet_rows(
    rows: Iterable[Iterable[Any]], first_row: int, styles: dict[int, str]
) -> Iterator[bytes]:
    columns: list[tuple[str, str]] = []
    special = _SPECIAL_TEXT.search
    chunk: list[str] = []
    for number, row in enumerate(rows, start=first_row + 1):
        cells = []
        for index, value in enumerate(row):
            if index == len(columns):
                columns.append((xl_col_to_name(index), styles.get(index, "")))
            if value is None or value == "":
                continue  # an empty cell is no element
            letter, style = columns[index]
            # Plain text is most cells: written here without a call.
            if type(value) is str and not special(value):
                cells.append(
                    f'<c r="{letter}{number}"{style} t="inlineStr"><is><t>{value}</t></is></c>'
                )
            else:
                cells.append(_cell_xml(f"{letter}{number}", style, value))
        chunk.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(chunk) == STREAM_CHUNK_ROWS:
            yield "".join(chunk).encode()
            chunk = []
    if chunk:
        yield "".join(chunk).encode()


def _streamed_sheet(layout: str, rows: Iterable[Iterable[Any]], first_row: int):
    # A sheet laid out without rows has an empty element; rows go between its two tags.
    layout = layout.replace("<sheetData/>", "<sheetData></sheetData>", 1)
    head, tail = layout.split("</sheetData>", 1)
    # The laid-out sheet's size would be wrong once rows follow; the element is optional.
    head = _DIMENSION.sub("", head, count=1)
    # A cell written without a format takes its column's, as XlsxWriter does it.
    styles = {
        column - 1: f' s="{style}"'
        for low, high, style in _COLUMN_STYLE.findall(head)
        for column in range(int(low), int(high) + 1)
    }
    yield head.encode()
    yield from _sheet_rows(rows, first_row, styles)
    yield ("</sheetData>" + tail).encode()


def streamed_workbook(
    lay_out: Callable[[xlsxwriter.Workbook], None],
    rows: dict[str, Iterable[Iterable[Any]]],
    *,
    first_row: int = 1,
) -> Iterator[bytes]:
    """The bytes of an .xlsx, produced as they go: ``lay_out`` builds the workbook with XlsxWriter
    (``first_row`` rows of headers on each sheet), ``rows[sheet name]`` are that sheet's data rows
    (values of str, int, float, Decimal or bool; None or "" for an empty cell), read lazily."""
    buffer = io.BytesIO()
    book = workbook(buffer, constant_memory=True)  # header cells inline, as the rows will be
    lay_out(book)
    parts = {
        f"xl/worksheets/sheet{number}.xml": sheet.name
        for number, sheet in enumerate(book.worksheets(), start=1)
    }
    book.close()
    moment = dt.datetime(1980, 1, 1)  # noqa: DTZ001 - zip entries carry no zone; XlsxWriter's own date

    def members():
        with zipfile.ZipFile(buffer) as laid_out:
            for info in laid_out.infolist():
                content = laid_out.read(info)
                name = parts.get(info.filename)
                if name in rows:
                    body = _streamed_sheet(content.decode(), rows[name], first_row)
                else:
                    body = (content,)
                yield info.filename, moment, 0o600, ZIP_32, body

    # zlib level 6, as XlsxWriter's zipfile writes it
    return stream_zip(
        members(),
        get_compressobj=lambda: zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS),
    )
