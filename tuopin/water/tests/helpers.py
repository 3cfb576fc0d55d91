"""Small workbooks for the water, jobs and economy tests (real .xlsx via lib.xlsx_cells)."""

from __future__ import annotations

import io

from tuopin.lib import xlsx_cells


def workbook(sheets: dict[str, tuple[list[str], list[dict]]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsx_cells.workbook(buffer)
    for name, (headers, rows) in sheets.items():
        sheet = book.add_worksheet(name)
        xlsx_cells.write_row(sheet, 0, 0, headers)
        for index, row in enumerate(rows, start=1):
            xlsx_cells.write_row(sheet, index, 0, [row.get(h, "") for h in headers])
    book.close()
    return buffer.getvalue()


def problems(plan) -> list[tuple[str, int, str, str]]:
    return [(p.sheet, p.row, p.column, p.reason) for p in plan.problems]
