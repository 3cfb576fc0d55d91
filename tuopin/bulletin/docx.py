"""The bulletin as a Word document laid out in GB/T 9704 (党政机关公文格式) conventions.

A4 with the standard margins (top 37 mm, bottom 35 mm, inside 28 mm, outside 26 mm: a 156 × 225
mm text block), a red masthead with the issuing office, number and date above a red rule, the
title in 方正小标宋简体, body text in 仿宋_GB2312 三号, level-1 headings in 黑体, level-2 in
楷体_GB2312, figures in tables, charts as images and “— 1 —” page numbers in the footer (odd pages
right, even pages left). Fonts are named, not embedded: the reader's Word substitutes if needed,
and every East Asian run names its font through ``w:rFonts/@w:eastAsia``.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from tuopin.bulletin import charts as charts_module
from tuopin.bulletin import wording as w

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


def _line_spacing(paragraph, *, exact: bool = True, before: int = 0, after: int = 0) -> None:
    fmt = paragraph.paragraph_format
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)


def _border(paragraph, side: str, *, color: str = "E60012", size_eighths: int = 18) -> None:
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


def _repeat_as_header(row) -> None:
    """Mark a table row as the header Word repeats at the top of every page the table runs onto
    (and keep it from splitting across pages)."""
    tr_pr = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        tr_pr.append(element)


def _page_field(paragraph, size) -> None:
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


class BulletinDocument:
    """Builds the document section by section from a snapshot."""

    def __init__(self, snapshot: dict[str, Any], charts: dict[str, bytes]):
        self.snapshot = snapshot
        self.charts = charts
        self.document = Document()
        self.section_index = 0
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
        _page_field(odd, SIZE_4)
        even = section.even_page_footer.paragraphs[0]
        even.alignment = WD_ALIGN_PARAGRAPH.LEFT
        even.paragraph_format.left_indent = Pt(14)
        _page_field(even, SIZE_4)

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
        _line_spacing(paragraph)
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(32)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if text:
            set_font(paragraph.add_run(text), font, size)
        return paragraph

    def heading1(self, text: str) -> None:
        self.section_index += 1
        heading = self.paragraph(f"{w.section_number(self.section_index)}、{text}", font=HEITI)
        heading.paragraph_format.keep_with_next = True
        self.sub_index = 0

    def heading2(self, text: str) -> None:
        self.sub_index += 1
        heading = self.paragraph(f"（{w.section_number(self.sub_index)}）{text}", font=KAITI)
        heading.paragraph_format.keep_with_next = True

    def table(self, headers: list[str], rows: list[list[Any]], widths_mm: list[float]) -> None:
        table = self.document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        size = SIZE_SMALL_4 if len(headers) <= 5 else SIZE_5
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)
        _repeat_as_header(table.rows[0])
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

    def picture(self, name: str, width_mm: float = 150) -> None:
        data = self.charts.get(name)
        if not data:
            return
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run().add_picture(io.BytesIO(data), width=Mm(width_mm))

    # --- the document ----------------------------------------------------------------------
    def build(self) -> bytes:
        s = self.snapshot
        self.masthead()
        self.title()
        if s.get("replaces"):
            replaced = s["replaces"]
            self.paragraph(
                f"本期为{replaced['number_label']}的更正版，更正原因：{replaced['reason']}。"
                "原通报作废，以本期为准。"
            )
        self.opening()
        if s.get("notice"):
            self.paragraph(s["notice"])
        self.overview()
        self.actions()
        self.timeliness()
        self.towns()
        self.problems()
        self.assessment()
        self.backlog()
        self.changes()
        self.imprint()
        buffer = io.BytesIO()
        self.document.core_properties.title = s["title"]
        self.document.core_properties.author = s["issuer"]
        self.document.save(buffer)
        return buffer.getvalue()

    def masthead(self) -> None:
        s = self.snapshot
        head = self.document.add_paragraph()
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _line_spacing(head, exact=False, before=0, after=6)
        set_font(head.add_run(s["masthead"]), XIAOBIAOSONG, Pt(36), color=RED)
        number = self.document.add_paragraph()
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _line_spacing(number)
        set_font(number.add_run(s["number_label"]), FANGSONG, SIZE_3)
        line = self.document.add_paragraph()
        _line_spacing(line, after=12)
        line.paragraph_format.tab_stops.add_tab_stop(Mm(156), WD_TAB_ALIGNMENT.RIGHT)
        set_font(line.add_run(s["issuer"]), FANGSONG, SIZE_3, color=RED)
        set_font(line.add_run("\t" + w.chinese_date(s["date"])), FANGSONG, SIZE_3, color=RED)
        _border(line, "bottom")

    def title(self) -> None:
        title = self.document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        title.paragraph_format.line_spacing = Pt(35)
        title.paragraph_format.space_before = Pt(12)
        title.paragraph_format.space_after = Pt(16)
        set_font(title.add_run(self.snapshot["title"]), XIAOBIAOSONG, SIZE_2)

    def opening(self) -> None:
        s = self.snapshot
        self.paragraph(
            f"按照《{s['campaign']['title']}》“周通报”制度要求，现将{s['period_label']}"
            "全县脱贫攻坚各专项行动推进情况、周报报送情况通报如下。"
        )

    def overview(self) -> None:
        s = self.snapshot
        h = s["headline"]
        self.heading1("总体进展")
        counts = h["actions"]
        parts = "，".join(
            f"{w.status_label(key)}{counts[key]}个"
            for key in ("done", "on_track", "at_risk", "overdue", "not_started", "unknown")
            if counts.get(key)
        )
        self.paragraph(
            f"{len(s['actions'])}个专项行动中，{parts or '暂无状态数据'}。"
            f"本周到期时间节点{len(h['due_this_week'])}个，下周到期{len(h['due_next_week'])}个。"
        )
        goals = s["campaign"].get("goals") or []
        if goals:
            self.heading2("目标任务")
            for index, goal in enumerate(goals, start=1):
                value = (
                    f"（目标值：{w.with_unit(goal['value'], goal['unit'])}"
                    + (
                        f"，当前：{w.with_unit(goal['current'], goal['unit'])}"
                        if goal.get("current") is not None
                        else ""
                    )
                    + "）"
                    if goal.get("value") is not None
                    else ""
                )
                self.paragraph(f"{index}. {goal['text']}{value}")
        for key, label in (
            ("due_this_week", "本周到期时间节点"),
            ("due_next_week", "下周到期时间节点"),
        ):
            rows = h[key]
            if not rows:  # the sentence above already says there are none
                continue
            self.heading2(label)
            self.table(
                ["行动", "时间节点", "截止", "状态"],
                [
                    [
                        f"（{m['action_number']}）",
                        m["text"],
                        w.short_date(m["deadline"]),
                        w.status_label(m["status"]),
                    ]
                    for m in rows
                ],
                [16, 96, 22, 22],
            )

    def actions(self) -> None:
        s = self.snapshot
        self.heading1("专项行动推进情况")
        # One row per action (the milestones counted), then only the milestones that need
        # attention in full: a row per milestone would run the document to many pages.
        rows = []
        for action in s["actions"]:
            milestones = action["milestones"]
            done = sum(1 for m in milestones if m["status"] == "done")
            rows.append(
                [
                    f"（{action['number']}）{action['title']}",
                    w.join_names(action["leaders"]),
                    w.status_label(action["status"]),
                    f"{done}/{len(milestones)}" if milestones else "—",
                ]
            )
        self.table(["专项行动", "责任领导", "状态", "节点完成"], rows, [86, 26, 22, 22])
        attention = [
            (action, m)
            for action in s["actions"]
            for m in action["milestones"]
            if m["status"] in ("overdue", "at_risk")
        ]
        if not attention:
            return
        self.heading2("需关注的时间节点")
        self.table(
            ["行动", "时间节点", "截止", "状态", "目标", "最新值", "预计"],
            [
                [
                    f"（{action['number']}）",
                    m["text"],
                    w.short_date(m["deadline"]),
                    w.status_label(m["status"]),
                    m["target_label"],
                    w.with_unit(m["latest"], m["target_unit"]),
                    m.get("forecast_label") or "—",
                ]
                for action, m in attention
            ],
            [12, 56, 16, 16, 20, 18, 18],
        )

    def timeliness(self) -> None:
        t = self.snapshot["timeliness"]
        self.heading1("周报报送情况")
        if not t.get("available", True):
            self.paragraph(t.get("pending") or "周报数据暂不可用。")
            return
        self.paragraph(
            f"本周应报单位{t['expected']}个，按时报送{len(t['on_time'])}个，迟报{len(t['late'])}个，"
            f"未报{len(t['missing'])}个"
            + (f"，免报{len(t['exempt'])}个" if t.get("exempt") else "")
            + f"（截止时间：{w.moment(t['deadline'])}）。"
        )
        self.picture("timeliness", 100)
        self.heading2("按时报送单位")
        self.paragraph(w.join_names(t["on_time"]) + "。")
        self.heading2("迟报单位")
        if t["late"]:
            self.table(
                ["单位", "签字报送时间"],
                [[row["unit"], w.moment(row["signed_at"])] for row in t["late"]],
                [90, 66],
            )
        else:
            self.paragraph("无。")
        self.heading2("未报单位")
        self.paragraph(w.join_names(t["missing"]) + "。")
        if t.get("changed_after_signing"):
            self.heading2("签字后修改的周报")
            self.table(
                ["单位", "签字时间", "修改时间"],
                [
                    [row["unit"], w.moment(row["signed_at"]), w.moment(row["changed_at"])]
                    for row in t["changed_after_signing"]
                ],
                [70, 43, 43],
            )

    def towns(self) -> None:
        s = self.snapshot
        self.heading1("各镇排名")
        if not s["towns"]:
            self.paragraph("暂无可排名的数据。")
            return
        metrics = s.get("town_metrics", [])
        headers = ["排名", "镇", "综合得分", *[m["name"] for m in metrics], "较上周"]
        widths = [12, 26, 20, *([22] * len(metrics)), 156 - 12 - 26 - 20 - 22 * len(metrics)]
        self.table(
            headers,
            [
                [
                    t["rank"],
                    t["name"],
                    w.number(t["score"]),
                    *[w.with_unit(t["metrics"].get(m["key"]), m["unit"]) for m in metrics],
                    w.movement(t.get("movement")),
                ]
                for t in s["towns"]
            ],
            widths,
        )
        if s.get("town_ranking_note"):
            self.paragraph(s["town_ranking_note"])

    def problems(self) -> None:
        s = self.snapshot
        self.heading1("存在问题和意见建议")
        if not s["problems"]:
            self.paragraph("本周各单位未报告问题和意见建议。")
            return
        for kind_label in dict.fromkeys(item["kind_label"] for item in s["problems"]):
            self.heading2(kind_label)
            items = [item for item in s["problems"] if item["kind_label"] == kind_label]
            for index, item in enumerate(items, start=1):
                self.paragraph(f"{index}. {item['text'].rstrip('。')}（{_raised_by(item)}）。")

    def assessment(self) -> None:
        section = self.snapshot.get("assessment") or {}
        self.heading1("退出指标监测")
        if not section.get("available"):
            self.paragraph(section.get("pending") or "退出指标监测数据尚未接入。")
            return
        rows = section.get("rows") or []
        if section.get("summary"):
            self.paragraph(section["summary"])
        if rows:
            self.table(
                ["指标", "当前", "说明"],
                [[r["name"], w.with_unit(r["value"], r["unit"]), r["note"]] for r in rows],
                [48, 22, 86],
            )
        self.data_checks()

    def data_checks(self) -> None:
        checks = self.snapshot.get("data_checks") or []
        if not checks:
            return
        self.heading2("数据核对")
        for index, item in enumerate(checks, start=1):
            self.paragraph(f"{index}. （{item['action']}）{item['text']}：{item['sentence']}。")

    def backlog(self) -> None:
        section = self.snapshot.get("backlog") or {}
        self.heading1("问题台账办理情况")
        if not section.get("available"):
            self.paragraph(section.get("pending") or "问题台账数据尚未接入。")
            return
        if section.get("summary"):
            self.paragraph(section["summary"])
        rows = section.get("rows") or []
        if rows:
            self.table(
                ["类别", "在办", "超期", "暂存"],
                [[r["name"], r["open"], r["overdue"], r["parked"]] for r in rows],
                [66, 30, 30, 30],
            )

    def changes(self) -> None:
        changes = self.snapshot.get("changes") or {}
        self.heading1("与上期相比")
        if not changes.get("previous"):
            self.paragraph("本期为首期通报，无上期可比。")
            return
        previous = changes["previous"]
        items = changes.get("items") or []
        self.paragraph(
            f"与第{previous['number']}期（{previous['week']}）相比："
            + ("；".join(items) if items else "各项情况无变化")
            + "。"
        )

    def imprint(self) -> None:
        s = self.snapshot
        self.document.add_paragraph()
        line = self.document.add_paragraph()
        _border(line, "top", color="000000", size_eighths=4)
        _line_spacing(line)
        line.paragraph_format.tab_stops.add_tab_stop(Mm(156), WD_TAB_ALIGNMENT.RIGHT)
        set_font(line.add_run(f"  {s['issuer']}"), FANGSONG, SIZE_4)
        set_font(line.add_run(f"\t{w.chinese_date(s['date'])}印发  "), FANGSONG, SIZE_4)
        _border(line, "bottom", color="000000", size_eighths=4)


def _raised_by(item: dict[str, Any]) -> str:
    """“县财政局、城关镇反映”: who raised a problem (the page lists the actions it was filed under)."""
    return f"{'、'.join(item.get('units') or [item['unit']])}反映"


def render_docx(snapshot: dict[str, Any], *, charts: dict[str, bytes] | None = None) -> bytes:
    """The .docx bytes for a snapshot (charts drawn from it unless given)."""
    if charts is None:
        charts = charts_module.all_charts(snapshot)
    return BulletinDocument(snapshot, charts).build()
