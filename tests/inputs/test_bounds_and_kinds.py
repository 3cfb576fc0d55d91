"""lib.bounds and lib.filekinds: the shared checks every page, form and endpoint uses."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import docx
import pytest
import xlsxwriter

from tuopin.lib import bounds, clock, filekinds


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "收入应为数字，实际为“abc”"),
        ("inf", "收入应为有限数字，实际为“inf”"),
        ("NaN", "收入应为有限数字，实际为“NaN”"),
        ("1e999999", "收入应在 0 到 100 之间，实际为“1e999999”"),
        ("-5", "收入应在 0 到 100 之间，实际为“-5”"),
    ],
)
def test_it_refuses_numbers_that_are_not_finite_or_out_of_range(raw, message):
    with pytest.raises(bounds.OutOfBounds) as refused:
        bounds.parse_number(raw, "收入", minimum=0, maximum=100)
    assert str(refused.value) == message


def test_it_reads_numbers_with_thousands_separators():
    assert bounds.parse_number("1,234.5", "收入", minimum=0, maximum=10_000) == Decimal("1234.5")
    assert bounds.parse_integer("12.0", "序号") == 12
    with pytest.raises(bounds.OutOfBounds, match="序号应为整数"):
        bounds.parse_integer("12.5", "序号")


def test_it_bounds_dates_and_reads_a_moment_without_zone_as_beijing_time():
    assert bounds.parse_date("2018-07-20") == dt.date(2018, 7, 20)
    with pytest.raises(bounds.OutOfBounds, match="日期 0001-01-01 超出有效范围"):
        bounds.parse_date("0001-01-01")
    with pytest.raises(bounds.OutOfBounds, match="不是有效日期"):
        bounds.parse_date("2018-02-30")
    assert bounds.parse_moment("2018-07-20T10:00") == clock.at(dt.date(2018, 7, 20), 10)
    assert bounds.parse_moment("2018-07-20T02:00+00:00") == clock.at(dt.date(2018, 7, 20), 10)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7", 7), ("abc", None), ("-1", None), ("0", None), ("2147483648", None), ("٣", None)],
)
def test_it_takes_only_possible_ids_from_a_query_string(raw, expected):
    assert bounds.parse_id(raw) == expected


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    book.add_worksheet().write(0, 0, "x")
    book.close()
    return buffer.getvalue()


def _docx() -> bytes:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("a.xlsx", _xlsx(), "xlsx"),
        ("a.docx", _docx(), "docx"),
        ("a.pdf", b"%PDF-1.4\n", "pdf"),
        ("a.jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpg"),
        ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "png"),
        ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "ole"),
        ("a.txt", "情况说明".encode("gb18030"), "txt"),
        ("a.csv", "户编号,姓名\n".encode(), "csv"),
    ],
)
def test_it_tells_a_file_by_its_content(name, data, kind):
    accepted = {"xlsx", "docx", "pdf", "jpg", "png", "ole", "txt", "csv"}
    assert filekinds.check(io.BytesIO(data), name, accepted) == kind


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.pdf", b"MZ\x90\x00", "文件“a.pdf”的内容是.exe 文件，此处只接受PDF 文件"),
        ("a.pdf", _xlsx(), "文件“a.pdf”的内容是Excel 工作簿（.xlsx），此处只接受PDF 文件"),
        ("a.pdf", b"", "文件“a.pdf”是空的"),
        ("a.png", b"%PDF-1.4", "文件“a.png”的扩展名与内容不符：内容是PDF 文件，扩展名应为 .pdf"),
        ("a.pdf", b"\x00\x01\x02\x03", "无法识别文件“a.pdf”的类型，此处只接受PDF 文件"),
    ],
)
def test_it_refuses_a_file_whose_content_is_not_accepted(name, data, message):
    with pytest.raises(filekinds.WrongKind) as refused:
        filekinds.check(io.BytesIO(data), name, {"pdf"})
    assert str(refused.value).startswith(message)
