"""Reading tabular uploads (.csv, .xlsx and .xls) into rows with their sheet row numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from python_calamine import CalamineWorkbook

from tuopin.lib.xlsx_guard import WORKBOOK_SUFFIXES, UnsafeWorkbook, check_workbook

FULL_WIDTH = str.maketrans("０１２３４５６７８９．－", "0123456789.-")


class TableError(ValueError):
    """The file cannot be read as a table; the message says why, in Chinese."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (1-based row number in the sheet, values)


def clean_header(value: Any) -> str:
    return "" if value is None else str(value).strip().replace("\n", "").replace(" ", "")


def clean_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip().translate(FULL_WIDTH)
        return value
    return value


def read_table(
    source: str | Path | IO[bytes], *, filename: str = "", sheet: str | None = None
) -> Table:
    name = filename or str(source)
    suffix = Path(name).suffix.lower()
    data = source.read() if hasattr(source, "read") else Path(source).read_bytes()
    if suffix == ".csv":
        return _read_csv(data)
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(data, name, sheet)
    raise TableError(f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 .xlsx、.xls 或 .csv 文件")


def _read_csv(data: bytes) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError("CSV 文件编码无法识别：请另存为 UTF-8 编码")
    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    if not rows:
        raise TableError("文件为空")
    headers = [clean_header(h) for h in rows[0]]
    body = [
        (number, {h: clean_cell(v) for h, v in zip(headers, row, strict=False) if h})
        for number, row in enumerate(rows[1:], start=2)
        if any(cell.strip() for cell in row)
    ]
    return Table(headers, body)


def _read_workbook(data: bytes, filename: str, sheet: str | None) -> Table:
    try:
        check_workbook(data, filename, None if sheet is None else [sheet])
    except UnsafeWorkbook as error:
        raise TableError(str(error)) from None
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        if sheet is not None and sheet not in names:
            raise TableError(f"工作簿中没有名为“{sheet}”的工作表（现有：{'、'.join(names)}）")
        rows = workbook.get_sheet_by_name(sheet or names[0]).to_python(skip_empty_area=False)
    except TableError:
        raise
    except Exception as error:  # calamine raises its own types for corrupt files
        raise TableError(f"无法读取工作簿：{error}") from None
    if not rows:
        raise TableError("工作表为空")
    headers = [clean_header(h) for h in rows[0]]
    body = [
        (number, {h: clean_cell(v) for h, v in zip(headers, row, strict=False) if h})
        for number, row in enumerate(rows[1:], start=2)
        if any(cell not in ("", None) for cell in row)
    ]
    return Table(headers, body)
