"""What an uploaded file really is, judged by its content (magic bytes), not by its name.

``filetype`` reads the signature; a zip is looked into to tell a workbook from a Word document;
text has no signature, so it is text when its start decodes as UTF-8 or GB18030 without NUL
bytes. The name's extension must agree with the content, so a renamed file is refused, and so
is a page saved as ``.pdf`` that a browser would later render.
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Iterable
from pathlib import PurePath
from typing import IO

import filetype

from tuopin.lib import xlsx_guard

HEAD_BYTES = 8192

LABELS = {
    "pdf": "PDF 文件",
    "jpg": "JPEG 图片",
    "png": "PNG 图片",
    "docx": "Word 文档（.docx）",
    "xlsx": "Excel 工作簿（.xlsx）",
    "ole": "Word/Excel 97-2003 文件（.doc/.xls）",
    "xls": "Excel 97-2003 工作簿（.xls）",
    "text": "文本文件",
    "txt": "文本文件（.txt）",
    "csv": "CSV 表格（.csv）",
    "json": "GeoJSON 文本（.geojson/.json）",
    "zip": "zip 压缩包",
}
EXTENSIONS = {
    "pdf": (".pdf",),
    "jpg": (".jpg", ".jpeg"),
    "png": (".png",),
    "docx": (".docx",),
    "xlsx": (".xlsx", ".xlsm"),
    "ole": (".doc", ".xls"),
    "xls": (".xls",),
    "txt": (".txt",),
    "csv": (".csv",),
    "json": (".geojson", ".json"),
}
# Text has no signature: which text it is follows from the name.
TEXT_KINDS = ("txt", "csv", "json")

# The old binary Office formats share one container (OLE2); its signature does not reliably
# tell a .doc from a .xls, so they are one kind.
OLE_KINDS = frozenset({"doc", "xls", "ppt", "msi"})
# Attachments to reports and cases: documents, scans, photos and plain-text notes.
ATTACHMENTS = frozenset({"pdf", "jpg", "png", "docx", "xlsx", "ole", "txt"})
# A workbook to import (.xls is what many national-system exports still are).
WORKBOOKS = frozenset({"xlsx", "xls"})
# Progress photos taken with a phone.
PHOTOS = frozenset({"jpg", "png"})
# A table to import: a workbook, or a CSV text.
TABLES = frozenset({"xlsx", "xls", "csv"})
# A plan document: Word or plain text.
DOCUMENTS = frozenset({"docx", "txt"})
# Photos a member of the public attaches to an online petition.
IMAGES = frozenset({"jpg", "png"})
# GeoJSON boundaries.
GEOJSON = frozenset({"json"})


class WrongKind(ValueError):
    """The file's content is not one of the accepted kinds; the message says so in Chinese."""


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # Incremental: a character cut at the end of the head is not an error.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _office_kind(stream: IO[bytes]) -> str:
    """A zip's kind: a workbook, a Word document, or just a zip."""
    try:
        names = zipfile.ZipFile(stream).namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return "zip"


def detect(stream: IO[bytes]) -> str | None:
    """The kind of the file read from ``stream`` (left at its start), or ``None`` if unknown."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    if not head:
        return None
    guess = filetype.guess(head)
    kind = guess.extension if guess is not None else None
    if kind in ("zip", "xlsx", "docx"):
        kind = _office_kind(stream)
        stream.seek(0)
    elif kind in OLE_KINDS or head.startswith(b"\xd0\xcf\x11\xe0"):
        kind = "ole"
    elif kind is None and _is_text(head):
        kind = "text"
    return kind


def check(stream: IO[bytes], name: str, allowed: Iterable[str]) -> str:
    """The file's kind if it is allowed and its name agrees; else :class:`WrongKind`."""
    allowed = sorted(allowed)
    accepted = "、".join(LABELS[kind] for kind in allowed)
    kind = detect(stream)
    suffix = PurePath(name).suffix.lower()
    if kind == "text":
        kind = next((k for k in TEXT_KINDS if suffix in EXTENSIONS[k]), "text")
    if kind == "ole" and suffix == ".xls" and "xls" in allowed:
        # The container does not tell a .doc from a .xls; the workbook reader checks the rest.
        kind = "xls"
    if kind is None:
        stream.seek(0)
        if not stream.read(1):
            raise WrongKind(f"文件“{name}”是空的，请重新选择文件")
        raise WrongKind(f"无法识别文件“{name}”的类型，此处只接受{accepted}")
    if kind in ("xlsx", "docx"):
        try:
            xlsx_guard.check_integrity(stream)
        except xlsx_guard.UnsafeWorkbook as error:
            raise WrongKind(f"文件“{name}”：{error}") from None
        finally:
            stream.seek(0)
    if kind not in allowed:
        raise WrongKind(
            f"文件“{name}”的内容是{LABELS.get(kind, f'.{kind} 文件')}，此处只接受{accepted}"
            "（改扩展名不会改变文件内容）"
        )
    if suffix not in EXTENSIONS[kind]:
        raise WrongKind(
            f"文件“{name}”的扩展名与内容不符：内容是{LABELS[kind]}，"
            f"扩展名应为 {' 或 '.join(EXTENSIONS[kind])}"
        )
    return kind
