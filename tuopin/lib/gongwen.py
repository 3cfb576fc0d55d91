"""The 公文 page in Word: GB/T 9704 (党政机关公文格式) conventions with python-docx.

A4 with the standard margins (top 37 mm, bottom 35 mm, inside 28 mm, outside 26 mm: a 156 × 225
mm text block), a red masthead with the issuing office, number and date above a red rule, the
title in 方正小标宋简体, body text in 仿宋_GB2312 三号, level-1 headings in 黑体, level-2 in
楷体_GB2312, figures in tables and “— 1 —” page numbers in the footer (odd pages right, even
pages left). Fonts are named, not embedded: the reader's Word substitutes if needed, and every
East Asian run names its font through ``w:rFonts/@w:eastAsia``. The weekly bulletin and the
meeting minutes (会议纪要) both build on :class:`GongwenDocument`.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

CN_NUMERALS = "一二三四五六七八九十"


def section_number(index: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一 (enough for a document's sections)."""
    if index <= 10:
        return CN_NUMERALS[index - 1]
    return "十" + CN_NUMERALS[index - 11]


def chinese_date(value: str | dt.date | None) -> str:
    if not value:
        return "—"
    day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


FANGSONG = "仿宋_GB2312"
FANGSONG_FALLBACK = "仿宋"
HEITI = "黑体"
KAITI = "楷体_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
LATIN = "Times New Roman"
RED = RGBColor(0xE6, 0x00, 0x12)

SIZE_2 = Pt(22)  # 二号: title
SIZE_3 = Pt(16)  # 三号: body
SIZE_4 = Pt(14)  # 四号: page numbers, 版记
SIZE_SMALL_4 = Pt(12)  # 小四: tables
SIZE_5 = Pt(10.5)  # 五号: dense tables
LINE = Pt(28.95)  # 22 lines on the 225 mm text block


def set_font(run, name: str, size=None, *, bold: bool = False, color: RGBColor | None = None):
    """Name the font for Latin and East Asian text alike (python-docx only sets the Latin one)."""
    run.font.name = LATIN if name not in (HEITI,) else name
    r_pr = run._element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:hint"), "eastAsia")
    if size is not None:
        run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def line_spacing(paragraph, *, exact: bool = True, before: int = 0, after: int = 0) -> None:
    fmt = paragraph.paragraph_format
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)


def border(paragraph, side: str, *, color: str = "E60012", size_eighths: int = 18) -> None:
    """A rule under (or over) a paragraph: the red separator line of the masthead."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        p_pr.append(borders)
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size_eighths))
    edge.set(qn("w:space"), "1")
    edge.set(qn("w:color"), color)
    borders.append(edge)


def repeat_as_header(row) -> None:
    """Mark a table row as the header Word repeats at the top of every page the table runs onto
    (and keep it from splitting across pages)."""
    tr_pr = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        tr_pr.append(element)


def page_field(paragraph, size) -> None:
    """“— PAGE —”: the page number as a Word field, so it is right on every page."""
    set_font(paragraph.add_run("— "), SONGTI, size)
    run = paragraph.add_run()
    set_font(run, SONGTI, size)
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instruction, separate, placeholder, end):
        run._element.append(element)
    set_font(paragraph.add_run(" —"), SONGTI, size)


class GongwenDocument:
    """A 公文 in the making: page, styles and the building blocks every section uses."""

    def __init__(self):
        self.document = Document()
        self.section_index = 0
        self.sub_index = 0
        self._setup_page()
        self._setup_styles()

    # --- page and styles -------------------------------------------------------------------
    def _setup_page(self) -> None:
        section = self.document.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(28) - Mm(7)  # page number 7 mm below the text block
        self.document.settings.odd_and_even_pages_header_footer = True
        odd = section.footer.paragraphs[0]
        odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        odd.paragraph_format.right_indent = Pt(14)
        page_field(odd, SIZE_4)
        even = section.even_page_footer.paragraphs[0]
        even.alignment = WD_ALIGN_PARAGRAPH.LEFT
        even.paragraph_format.left_indent = Pt(14)
        page_field(even, SIZE_4)

    def _setup_styles(self) -> None:
        normal = self.document.styles["Normal"]
        normal.font.name = LATIN
        normal.font.size = SIZE_3
        r_pr = normal.element.get_or_add_rPr()
        fonts = r_pr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            r_pr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), FANGSONG)
        normal.paragraph_format.space_after = Pt(0)

    # --- building blocks -------------------------------------------------------------------
    def paragraph(self, text: str = "", *, indent: bool = True, font: str = FANGSONG, size=SIZE_3):
        paragraph = self.document.add_paragraph()
        line_spacing(paragraph)
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(32)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if text:
            set_font(paragraph.add_run(text), font, size)
        return paragraph

    def heading1(self, text: str) -> None:
        self.section_index += 1
        heading = self.paragraph(f"{section_number(self.section_index)}、{text}", font=HEITI)
        heading.paragraph_format.keep_with_next = True
        self.sub_index = 0

    def heading2(self, text: str) -> None:
        self.sub_index += 1
        heading = self.paragraph(f"（{section_number(self.sub_index)}）{text}", font=KAITI)
        heading.paragraph_format.keep_with_next = True

    def table(self, headers: list[str], rows: list[list[Any]], widths_mm: list[float]) -> None:
        table = self.document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        size = SIZE_SMALL_4 if len(headers) <= 5 else SIZE_5
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)
        repeat_as_header(table.rows[0])
        for cell, header, width in zip(table.rows[0].cells, headers, widths_mm, strict=True):
            cell.width = Mm(width)
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            set_font(cell.paragraphs[0].add_run(header), HEITI, size)
        for values in rows:
            cells = table.add_row().cells
            for cell, value, width in zip(cells, values, widths_mm, strict=True):
                cell.width = Mm(width)
                set_font(cell.paragraphs[0].add_run(str(value)), FANGSONG, size)
        # A thin gap after the table (a full body line after every table adds up to pages).
        gap = self.document.add_paragraph().paragraph_format
        gap.line_spacing_rule, gap.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(8)
        gap.space_after = Pt(0)

    def masthead(self, s: dict[str, Any]) -> None:
        """Red masthead: ``s`` has masthead, number_label, issuer and date (ISO)."""
        head = self.document.add_paragraph()
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        line_spacing(head, exact=False, before=0, after=6)
        set_font(head.add_run(s["masthead"]), XIAOBIAOSONG, Pt(36), color=RED)
        number = self.document.add_paragraph()
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        line_spacing(number)
        set_font(number.add_run(s["number_label"]), FANGSONG, SIZE_3)
        line = self.document.add_paragraph()
        line_spacing(line, after=12)
        line.paragraph_format.tab_stops.add_tab_stop(Mm(156), WD_TAB_ALIGNMENT.RIGHT)
        set_font(line.add_run(s["issuer"]), FANGSONG, SIZE_3, color=RED)
        set_font(line.add_run("\t" + chinese_date(s["date"])), FANGSONG, SIZE_3, color=RED)
        border(line, "bottom")

    def title(self, text: str) -> None:
        title = self.document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        title.paragraph_format.line_spacing = Pt(35)
        title.paragraph_format.space_before = Pt(12)
        title.paragraph_format.space_after = Pt(16)
        set_font(title.add_run(text), XIAOBIAOSONG, SIZE_2)

    def imprint(self, s: dict[str, Any]) -> None:
        """The 版记 line: ``s`` has issuer and date (ISO)."""
        self.document.add_paragraph()
        line = self.document.add_paragraph()
        border(line, "top", color="000000", size_eighths=4)
        line_spacing(line)
        line.paragraph_format.tab_stops.add_tab_stop(Mm(156), WD_TAB_ALIGNMENT.RIGHT)
        set_font(line.add_run(f"  {s['issuer']}"), FANGSONG, SIZE_4)
        set_font(line.add_run(f"\t{chinese_date(s['date'])}印发  "), FANGSONG, SIZE_4)
        border(line, "bottom", color="000000", size_eighths=4)

    def save(self, *, title: str, author: str) -> bytes:
        buffer = io.BytesIO()
        self.document.core_properties.title = title
        self.document.core_properties.author = author
        self.document.save(buffer)
        return buffer.getvalue()
