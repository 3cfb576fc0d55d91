from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from tuopin.lib import citizen_id, clock, xlsx_cells
from tuopin.lib.env import SettingError, env_bool, env_datetime, env_int, env_networks


def make_id(first17: str) -> str:
    return first17 + citizen_id.check_digit(first17)


def test_it_accepts_a_valid_id_and_derives_birth_and_sex():
    number = make_id("61032719800101123")
    parsed = citizen_id.parse(number)
    assert parsed.birth_date == dt.date(1980, 1, 1)
    assert parsed.sex == "男"


def test_it_knows_the_published_example():
    assert citizen_id.is_valid("11010519491231002X")
    assert citizen_id.parse("11010519491231002X").sex == "女"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("6103271980010112", "应为18位"),
        ("61032719800230123X", "出生日期 19800230 不存在"),
        ("11010519491231002Y", "末位为数字或X"),
        ("110105194912310021", "校验位错误（应为 X）"),
    ],
)
def test_it_explains_invalid_ids(raw, reason):
    with pytest.raises(citizen_id.InvalidCitizenId, match=reason):
        citizen_id.parse(raw)


def test_it_normalises_full_width_digits_and_lower_x():
    assert citizen_id.parse("１１０１０５１９４９１２３１００２ｘ").number == "11010519491231002X"


def test_it_masks_ids_and_phones():
    assert citizen_id.mask("61032719800101123X") == "610327********123X"
    assert citizen_id.mask_phone("13912345678") == "139****5678"


def test_it_freezes_the_clock_in_shanghai():
    with clock.frozen("2018-07-20T11:59:59+08:00"):
        assert clock.now().isoformat() == "2018-07-20T11:59:59+08:00"
        assert clock.today() == dt.date(2018, 7, 20)
    with clock.frozen(dt.datetime(2018, 7, 20, 4, 0, tzinfo=dt.UTC)):
        assert clock.now().hour == 12


def test_it_refuses_malformed_settings_naming_the_variable(monkeypatch):
    monkeypatch.setenv("TUOPIN_X", "maybe")
    with pytest.raises(SettingError, match="TUOPIN_X"):
        env_bool("TUOPIN_X")
    monkeypatch.setenv("TUOPIN_X", "ten")
    with pytest.raises(SettingError, match="TUOPIN_X"):
        env_int("TUOPIN_X", 1)
    monkeypatch.setenv("TUOPIN_X", "2018-07-20T10:00")
    with pytest.raises(SettingError, match="缺少时区"):
        env_datetime("TUOPIN_X")
    monkeypatch.setenv("TUOPIN_X", "10.0.0.5, proxy.local")
    with pytest.raises(SettingError, match=r"'proxy\.local' 不是 IP 地址或网段"):
        env_networks("TUOPIN_X", [])


def test_it_reads_proxy_addresses_and_networks(monkeypatch):
    monkeypatch.setenv("TUOPIN_X", "10.0.0.5, 10.1.0.0/24,::1")
    assert [str(n) for n in env_networks("TUOPIN_X", [])] == [
        "10.0.0.5/32",
        "10.1.0.0/24",
        "::1/128",
    ]
    monkeypatch.delenv("TUOPIN_X")
    assert [str(n) for n in env_networks("TUOPIN_X", ["127.0.0.1"])] == ["127.0.0.1/32"]


def test_it_writes_every_cell_as_its_type_and_text_never_as_a_formula(xlsx_formulas):
    hostile = ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']
    unsafe = io.BytesIO()
    book = xlsxwriter.Workbook(unsafe, {"in_memory": True})
    book.add_worksheet().write(0, 0, "=1+2")
    book.close()
    assert xlsx_formulas(unsafe.getvalue()) == [("xl/worksheets/sheet1.xml", "A1", "1+2")]

    safe = io.BytesIO()
    book = xlsx_cells.workbook(safe, in_memory=True)
    sheet = book.add_worksheet("表")
    xlsx_cells.write_row(sheet, 0, 0, hostile)
    xlsx_cells.write_row(
        sheet, 1, 0, [3, Decimal("2.5"), True, dt.date(2018, 7, 20), None, "", float("inf")]
    )
    book.close()
    assert xlsx_formulas(safe.getvalue()) == []
    rows = CalamineWorkbook.from_filelike(io.BytesIO(safe.getvalue())).get_sheet_by_name("表")
    first, second = rows.to_python()
    assert first == hostile
    assert second[:4] == [3, 2.5, True, dt.date(2018, 7, 20)]
    assert second[4:] == ["", "", "inf"]


def _sheet_xml(data: bytes, number: int) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        xml = book.read(f"xl/worksheets/sheet{number}.xml").decode()
    return re.sub(r'<dimension ref="[^"]*"/>', "", xml)


def _lay_out(book) -> None:
    sheet = book.add_worksheet("表")
    xlsx_cells.write_row(sheet, 0, 0, ["文本列", "数"], book.add_format({"bold": True}))
    sheet.set_column(0, 0, 20, book.add_format({"num_format": "@"}))
    sheet.freeze_panes(1, 0)
    book.add_worksheet("空")


STREAMED_ROWS = [
    ["=1+2", 3],
    ["+1", Decimal("2.5")],
    ["a & <b> \x01", True],
    [" 前后空格 ", None],
    ["\t=1", float("inf")],
    ["", 0.1],
    ['=HYPERLINK("http://x","y")', -7],
]


def test_a_streamed_workbook_is_the_one_xlsxwriter_writes_and_text_stays_text(xlsx_formulas):
    whole = io.BytesIO()
    book = xlsx_cells.workbook(whole, constant_memory=True)
    _lay_out(book)
    for number, row in enumerate(STREAMED_ROWS, start=1):
        xlsx_cells.write_row(book.get_worksheet_by_name("表"), number, 0, row)
    book.close()

    streamed = b"".join(xlsx_cells.streamed_workbook(_lay_out, {"表": iter(STREAMED_ROWS)}))
    # The same sheets byte for byte (but the optional size element the stream cannot know).
    assert _sheet_xml(streamed, 1) == _sheet_xml(whole.getvalue(), 1)
    assert _sheet_xml(streamed, 2) == _sheet_xml(whole.getvalue(), 2)
    assert xlsx_formulas(streamed) == []
    rows = CalamineWorkbook.from_filelike(io.BytesIO(streamed)).get_sheet_by_name("表").to_python()
    assert rows[1:] == [
        ["=1+2", 3],
        ["+1", 2.5],
        ["a & <b> \x01", True],
        [" 前后空格 ", ""],
        ["\t=1", "inf"],
        ["", 0.1],
        ['=HYPERLINK("http://x","y")', -7],
    ]


def test_a_streamed_sheet_may_be_laid_out_without_headers():
    def bare(book) -> None:
        book.add_worksheet("表")

    data = b"".join(xlsx_cells.streamed_workbook(bare, {"表": [["甲", 1]]}, first_row=0))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("表").to_python()
    assert rows == [["甲", 1]]


def test_a_streamed_workbook_refuses_dates():
    with pytest.raises(TypeError):
        b"".join(xlsx_cells.streamed_workbook(_lay_out, {"表": [[dt.date(2018, 7, 20)]]}))
