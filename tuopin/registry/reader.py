"""Reading a registry workbook safely and fast.

Before calamine parses anything the zip directory is checked: declared uncompressed sizes and
compression ratios (zip bombs) and each sheet's used range from its ``<dimension>`` element (a
stray value in row 1,048,576 would otherwise make a dense range of a million rows). Then
python-calamine reads each needed sheet in one call.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_calamine import CalamineWorkbook

from tuopin.registry.layout import SHEETS, header_lookup, normalize_header

MAX_UNCOMPRESSED_BYTES = 1_500_000_000  # all members together
MAX_SHEET_XML_BYTES = 600_000_000  # one sheet's XML
MAX_RATIO = 200  # uncompressed / compressed, for members above 20 MB
MAX_CELLS_PER_SHEET = 30_000_000  # rows × columns of a sheet's used range
MAX_DATA_ROWS = 1_000_000
HEADER_SEARCH_ROWS = 5

_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


class WorkbookRefused(ValueError):
    """The file cannot be read as a registry workbook; the message says why, in Chinese."""


@dataclass
class Sheet:
    name: str
    header_row: int  # 1-based row number of the header row
    headers: list[str]  # normalised, one per column
    rows: list[list[Any]]  # data rows, trailing empty rows removed
    first_row: int  # 1-based sheet row number of rows[0]
    notices: list[str] = field(default_factory=list)


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip member path, from workbook.xml and its relationships."""
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for match in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = match.group(0)
        rid = re.search(r'Id="([^"]+)"', tag)
        target = re.search(r'Target="([^"]+)"', tag)
        if rid and target:
            path = target.group(1).lstrip("/")
            targets[rid.group(1)] = path if path.startswith("xl/") else "xl/" + path
    members = {}
    for match in re.finditer(r"<sheet\b[^>]*>", workbook):
        tag = match.group(0)
        name = re.search(r'name="([^"]+)"', tag)
        rid = re.search(r'r:id="([^"]+)"', tag)
        if name and rid and rid.group(1) in targets:
            members[_unescape(name.group(1))] = targets[rid.group(1)]
    return members


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def check_archive(data: bytes, filename: str) -> None:
    """Refuse files that are not xlsx, zip bombs and sheets with absurd used ranges."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".xlsx", ".xlsm"):
        raise WorkbookRefused(
            f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 Excel 工作簿（.xlsx）"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookRefused("文件不是有效的 .xlsx 工作簿（可能已损坏，或是改了扩展名的其他文件）")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise WorkbookRefused(f"无法打开工作簿：{error}") from None
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookRefused(
            f"工作簿解压后约 {total // 1_000_000} MB，超过上限 {MAX_UNCOMPRESSED_BYTES // 1_000_000} MB；"
            "请按镇或村拆分成多个文件导入"
        )
    for info in infos:
        if info.file_size > 20_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise WorkbookRefused(
                f"工作簿内部文件 {info.filename} 的压缩比异常（疑似压缩炸弹），已拒绝读取"
            )
    members = _sheet_members(archive)
    for name in SHEETS:
        member = members.get(name)
        if member is None:
            continue
        try:
            info = archive.getinfo(member)
        except KeyError:
            continue
        if info.file_size > MAX_SHEET_XML_BYTES:
            raise WorkbookRefused(
                f"工作表“{name}”过大（解压后约 {info.file_size // 1_000_000} MB）；请拆分文件导入"
            )
        with archive.open(info) as stream:
            head = stream.read(4096)
        match = _DIMENSION.search(head)
        if match and match.group(3):
            rows = int(match.group(4)) - int(match.group(2)) + 1
            columns = _column_number(match.group(3)) - _column_number(match.group(1)) + 1
            if rows > MAX_DATA_ROWS + HEADER_SEARCH_ROWS or rows * columns > MAX_CELLS_PER_SHEET:
                raise WorkbookRefused(
                    f"工作表“{name}”的使用区域为 {match.group(1)}{match.group(2)}:"
                    f"{match.group(3)}{match.group(4)}（{rows:,} 行 × {columns} 列），超过上限"
                    f"（{MAX_DATA_ROWS:,} 行）。通常是表格末尾有大量空行或远处有零散内容："
                    "请删除多余的行和列后另存再上传"
                )


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _find_header(rows: list[list[Any]], sheet: str) -> int:
    """Index of the header row: the one among the first rows matching most known headers
    (a merged title row above the headers is common)."""
    known = header_lookup(sheet)
    best, best_hits = 0, -1
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for cell in row if normalize_header(cell) in known)
        if hits > best_hits:
            best, best_hits = index, hits
    return best


def read_workbook(source: str | Path | bytes | IO[bytes], filename: str = "") -> dict[str, Sheet]:
    """The 村/户/人 sheets present in the workbook (absent ones are simply missing)."""
    if isinstance(source, bytes):
        data = source
    elif hasattr(source, "read"):
        data = source.read()
    else:
        data = Path(source).read_bytes()
        filename = filename or str(source)
    check_archive(data, filename)
    from tuopin.registry.fastdb import without_gc

    with without_gc():
        return _read_sheets(data)


def _read_sheets(data: bytes) -> dict[str, Sheet]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
    except Exception as error:  # calamine raises its own exception types for corrupt files
        raise WorkbookRefused(f"无法读取工作簿：{error}") from None
    stripped = {name.strip(): name for name in names}
    if not any(sheet in stripped for sheet in SHEETS):
        raise WorkbookRefused(
            f"工作簿中没有“村”“户”“人”任何一个工作表（现有：{'、'.join(names) or '无'}）；"
            "请使用下载的模板"
        )
    sheets: dict[str, Sheet] = {}
    for sheet_name in SHEETS:
        if sheet_name not in stripped:
            continue
        try:
            rows = workbook.get_sheet_by_name(stripped[sheet_name]).to_python(skip_empty_area=False)
        except Exception as error:
            raise WorkbookRefused(f"无法读取工作表“{sheet_name}”：{error}") from None
        sheets[sheet_name] = _shape(sheet_name, rows)
    return sheets


def _shape(sheet_name: str, rows: list[list[Any]]) -> Sheet:
    if not rows:
        return Sheet(sheet_name, 1, [], [], 2)
    header_index = _find_header(rows, sheet_name)
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
