"""Opening an uploaded workbook safely: refuse zip bombs and absurd sheet ranges before parsing.

The zip directory is checked first — declared uncompressed sizes and compression ratios — and
then each sheet's used range from its ``<dimension>`` element (a stray value in row 1,048,576
would otherwise make calamine build a dense range of a million rows). Every reader of uploaded
workbooks (registry import, org import, drill visit import) goes through :func:`check_archive`,
which also reads every member but the sheets in full, so a zip directory that declares false
sizes is refused before calamine sees it; :func:`check_integrity` does that part alone for every
uploaded .xlsx/.docx (attachments, plan documents).


Legacy .xls files (Excel 97–2003, what many national-system exports still are) are OLE2 compound
documents: nothing is compressed and a sheet holds at most 65,536 × 256 cells, so the size cap of
the upload bounds the work; the guard checks that the bytes really are such a document (an HTML
table renamed to .xls is common) before calamine reads them.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from typing import IO

MAX_UNCOMPRESSED_BYTES = 1_500_000_000  # all members together
MAX_SHEET_XML_BYTES = 600_000_000  # one sheet's XML
MAX_RATIO = 200  # uncompressed / compressed, for members above 20 MB
MAX_CELLS_PER_SHEET = 30_000_000  # rows × columns of a sheet's used range
MAX_DATA_ROWS = 1_000_000
HEADER_SEARCH_ROWS = 5

DAMAGED = (
    "文件已损坏（压缩包内的文件大小或校验和与目录不符），无法读取；"
    "请用 Excel、WPS 或 Word 打开后重新另存再上传"
)

_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_OLE2_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


class UnsafeWorkbook(ValueError):
    """The file is not a workbook we will open; the message says why, in Chinese."""


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


def check_archive(data: bytes, sheets: Iterable[str] | None = None) -> None:
    """Refuse non-zip files, zip bombs and sheets (all, or those named) with absurd ranges."""
    try:
        _check_archive(data, sheets)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        if isinstance(error, UnsafeWorkbook):
            raise
        # A directory that lies about sizes or checksums fails on reading a member: the file
        # is damaged or forged, and no reader should see it.
        raise UnsafeWorkbook(DAMAGED) from None


def check_integrity(stream: IO[bytes]) -> None:
    """Refuse an Office file (.xlsx, .docx) whose zip directory lies about sizes or checksums."""
    try:
        archive = zipfile.ZipFile(stream)
        _verify_small_members(archive, archive.infolist())
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise UnsafeWorkbook(DAMAGED) from None


def _verify_small_members(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Read every member but the sheets in full: their sizes and checksums must be true."""
    for info in infos:
        if info.filename.startswith("xl/worksheets/") or info.is_dir():
            continue
        read = 0
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 20):
                read += len(chunk)
        if read != info.file_size:
            raise zipfile.BadZipFile(f"{info.filename}: size mismatch")


def _check_archive(data: bytes, sheets: Iterable[str] | None) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnsafeWorkbook("文件不是有效的 .xlsx 工作簿（可能已损坏，或是改了扩展名的其他文件）")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnsafeWorkbook(f"无法打开工作簿：{error}") from None
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UnsafeWorkbook(
            f"工作簿解压后约 {total // 1_000_000} MB，超过上限 {MAX_UNCOMPRESSED_BYTES // 1_000_000} MB；"
            "请按镇或村拆分成多个文件导入"
        )
    for info in infos:
        if info.file_size > 20_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeWorkbook(
                f"工作簿内部文件 {info.filename} 的压缩比异常（疑似压缩炸弹），已拒绝读取"
            )
    _verify_small_members(archive, infos)
    members = _sheet_members(archive)
    for name in members if sheets is None else sheets:
        member = members.get(name)
        if member is None:
            continue
        try:
            info = archive.getinfo(member)
        except KeyError:
            continue
        if info.file_size > MAX_SHEET_XML_BYTES:
            raise UnsafeWorkbook(
                f"工作表“{name}”过大（解压后约 {info.file_size // 1_000_000} MB）；请拆分文件导入"
            )
        with archive.open(info) as stream:
            head = stream.read(4096)
        match = _DIMENSION.search(head)
        if match and match.group(3):
            rows = int(match.group(4)) - int(match.group(2)) + 1
            columns = _column_number(match.group(3)) - _column_number(match.group(1)) + 1
            if rows > MAX_DATA_ROWS + HEADER_SEARCH_ROWS or rows * columns > MAX_CELLS_PER_SHEET:
                raise UnsafeWorkbook(
                    f"工作表“{name}”的使用区域为 {match.group(1)}{match.group(2)}:"
                    f"{match.group(3)}{match.group(4)}（{rows:,} 行 × {columns} 列），超过上限"
                    f"（{MAX_DATA_ROWS:,} 行）。通常是表格末尾有大量空行或远处有零散内容："
                    "请删除多余的行和列后另存再上传"
                )


def check_workbook(data: bytes, filename: str, sheets: Iterable[str] | None = None) -> None:
    """Refuse what is not a workbook we will open, by the file's suffix: .xlsx/.xlsm through
    :func:`check_archive`, .xls by its compound-document signature."""
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    if suffix not in WORKBOOK_SUFFIXES:
        raise UnsafeWorkbook(
            f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 Excel 工作簿（.xlsx 或 .xls）"
        )
    if suffix != ".xls":
        check_archive(data, sheets)
    elif not data.startswith(_OLE2_SIGNATURE):
        raise UnsafeWorkbook(
            "文件扩展名为 .xls，但内容不是 Excel 97–2003 工作簿（常见于网页格式的导出）："
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再上传"
        )
