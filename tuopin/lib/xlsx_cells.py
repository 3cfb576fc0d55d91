"""Writing spreadsheet cells safely: every workbook the project produces goes through here.

Text from users (a case title, a reporter's name, a village name) may start with ``=``, ``+``,
``-`` or ``@``; written with XlsxWriter's generic ``write`` such text becomes a live formula
that runs in the reader's Excel (CSV/formula injection). Here text is always written as a string
cell, and the workbook options turn XlsxWriter's string-to-formula/number/URL guesses off as a
second fence, so no user text can become anything but text.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
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
