"""Reading a ledger workbook safely and fast.

Before calamine parses anything ``lib.xlsx_guard`` checks the zip directory (the zip-bomb guard)
and the used range of the ledger's sheets; then python-calamine reads each needed sheet in one
call. The header row is found among the first rows (a merged title row above it is common).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_calamine import CalamineWorkbook

from tuopin.ledger.fastdb import without_gc
from tuopin.ledger.layout import Ledger, normalize_header
from tuopin.lib import xlsx_guard
from tuopin.lib.xlsx_guard import HEADER_SEARCH_ROWS, MAX_DATA_ROWS


class WorkbookRefused(ValueError):
    """The file cannot be read as the ledger's workbook; the message says why, in Chinese."""


@dataclass
class Sheet:
    name: str
    header_row: int  # 1-based row number of the header row
    headers: list[str]  # normalised, one per column
    rows: list[list[Any]]  # data rows, trailing empty rows removed
    first_row: int  # 1-based sheet row number of rows[0]
    notices: list[str] = field(default_factory=list)


def check_archive(data: bytes, filename: str, ledger: Ledger) -> None:
    """Refuse files that are not workbooks (.xlsx, .xls), zip bombs and absurd used ranges."""
    try:
        xlsx_guard.check_workbook(data, filename, ledger.sheet_names)
    except xlsx_guard.UnsafeWorkbook as error:
        raise WorkbookRefused(str(error)) from None


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _find_header(rows: list[list[Any]], known: dict) -> int:
    """Index of the header row: the one among the first rows matching most known headers."""
    best, best_hits = 0, -1
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for cell in row if normalize_header(cell) in known)
        if hits > best_hits:
            best, best_hits = index, hits
    return best


def read_workbook(
    source: str | Path | bytes | IO[bytes], filename: str, ledger: Ledger
) -> dict[str, Sheet]:
    """The ledger's sheets present in the workbook (absent ones are simply missing)."""
    if isinstance(source, bytes):
        data = source
    elif hasattr(source, "read"):
        data = source.read()
    else:
        data = Path(source).read_bytes()
        filename = filename or str(source)
    check_archive(data, filename, ledger)
    with without_gc():
        return _read_sheets(data, ledger)


def _read_sheets(data: bytes, ledger: Ledger) -> dict[str, Sheet]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
    except Exception as error:  # calamine raises its own exception types for corrupt files
        raise WorkbookRefused(f"无法读取工作簿：{error}") from None
    stripped = {name.strip(): name for name in names}
    wanted = ledger.sheet_names
    if not any(sheet in stripped for sheet in wanted):
        listed = "".join(f"“{sheet}”" for sheet in wanted)
        which = "任何一个工作表" if len(wanted) > 1 else "工作表"
        raise WorkbookRefused(
            f"工作簿中没有{listed}{which}（现有：{'、'.join(names) or '无'}）；"
            f"{ledger.missing_sheets_hint}"
        )
    sheets: dict[str, Sheet] = {}
    for sheet_name in wanted:
        if sheet_name not in stripped:
            continue
        try:
            rows = workbook.get_sheet_by_name(stripped[sheet_name]).to_python(skip_empty_area=False)
        except Exception as error:
            raise WorkbookRefused(f"无法读取工作表“{sheet_name}”：{error}") from None
        sheets[sheet_name] = _shape(sheet_name, rows, ledger.header_lookup(sheet_name))
    return sheets


def _shape(sheet_name: str, rows: list[list[Any]], known: dict) -> Sheet:
    if not rows:
        return Sheet(sheet_name, 1, [], [], 2)
    header_index = _find_header(rows, known)
    headers = [normalize_header(cell) for cell in rows[header_index]]
    body = rows[header_index + 1 :]
    end = len(body)
    while end and all(_is_empty(cell) for cell in body[end - 1]):
        end -= 1
    notices = []
    if end < len(body):
        notices.append(f"工作表“{sheet_name}”末尾的 {len(body) - end:,} 个空行已忽略")
    body = body[:end]
    if len(body) > MAX_DATA_ROWS:
        raise WorkbookRefused(
            f"工作表“{sheet_name}”有 {len(body):,} 行数据，超过单个文件上限 {MAX_DATA_ROWS:,} 行；"
            "请拆分文件导入"
        )
    return Sheet(sheet_name, header_index + 1, headers, body, header_index + 2, notices)
