from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from tuopin.bulletin import actions, charts
from tuopin.bulletin.compose import compose
from tuopin.bulletin.docx import FANGSONG, HEITI, KAITI, RED, XIAOBIAOSONG, render_docx
from tuopin.lib import clock
from tuopin.plan.models import Campaign

TITLE = "关于2018年第29周（7月16日—22日）脱贫攻坚工作进展情况的通报"


@pytest.fixture
def published(campaign, world):
    return actions.publish_bulletin(campaign, "2018-W29", actor=world.hq)


def _east_asia(run) -> str | None:
    fonts = run._element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def _paragraph(document, startswith: str):
    return next(p for p in document.paragraphs if p.text.startswith(startswith))


def test_it_lays_out_the_red_header_title_and_fonts(published):
    document = Document(io.BytesIO(bytes(published.docx)))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "脱贫攻坚工作周通报"
    assert texts[1] == "第1期"
    assert texts[2] == "陇县脱贫攻坚领导小组办公室\t2018年7月20日"
    assert texts[3] == TITLE
    masthead = document.paragraphs[0].runs[0]
    assert (masthead.font.color.rgb, _east_asia(masthead)) == (RED, XIAOBIAOSONG)
    assert document.paragraphs[2].runs[0].font.color.rgb == RED
    assert (
        document.paragraphs[2]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color"))
        == "E60012"
    )
    assert _east_asia(document.paragraphs[3].runs[0]) == XIAOBIAOSONG
    assert _east_asia(_paragraph(document, "一、总体进展").runs[0]) == HEITI
    assert _east_asia(_paragraph(document, "（一）目标任务").runs[0]) == KAITI
    assert _east_asia(_paragraph(document, "按照《").runs[0]) == FANGSONG
    normal = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == FANGSONG
    section = document.sections[0]
    measures = [
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    ]
    assert [round(length.mm, 1) for length in measures] == [210, 297, 37, 35, 28, 26]


def test_it_has_tables_charts_and_page_numbers(published):
    document = Document(io.BytesIO(bytes(published.docx)))
    texts = [p.text for p in document.paragraphs]
    headers = [[cell.text for cell in table.rows[0].cells] for table in document.tables]
    assert headers == [
        ["专项行动", "责任领导", "状态", "节点完成"],
        ["单位", "签字报送时间"],
        ["排名", "镇", "综合得分", "周报按时率", "节点完成度", "超期问题", "较上周"],
        ["指标", "当前", "说明"],
    ]
    # Word repeats each header row on every page its table runs onto.
    for table in document.tables:
        flags = table.rows[0]._tr.trPr
        assert flags.find(qn("w:tblHeader")).get(qn("w:val")) == "true"
        assert all(row._tr.trPr is None for row in table.rows[1:])
    progress = document.tables[0]
    assert [[c.text for c in row.cells] for row in progress.rows[1:]] == [
        ["（1）党建引领专项行动", "葛管社", "已完成", "1/1"],
        ["（13）实施健康扶贫专项行动", "赵强", "正常推进", "0/1"],
        ["（19）村组道路畅通专项行动", "分管交通运输副县长", "正常推进", "0/1"],
    ]
    assert "（一）需关注的时间节点" not in texts  # listed only when a milestone is at risk
    late = next(t for t in document.tables if t.rows[0].cells[0].text == "单位")
    assert [c.text for c in late.rows[1].cells] == ["县卫计局", "7月20日 14:00"]
    ranking = next(t for t in document.tables if t.rows[0].cells[0].text == "排名")
    assert [c.text for c in ranking.rows[1].cells] == [
        "1",
        "城关镇",
        "98",
        "100%",
        "94%",
        "0件",
        "新上榜",
    ]
    assert len(document.inline_shapes) == 1  # the timeliness history; the rest are tables
    images = [p for p in document.part.package.parts if p.content_type == "image/png"]
    assert len(images) == 1
    assert document.settings.odd_and_even_pages_header_footer
    for footer in (document.sections[0].footer, document.sections[0].even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and 'w:fldCharType="begin"' in xml
        assert footer.paragraphs[0].text.startswith("— ")
    # The hash identifies the archived issue (page and database); the printed copy has 版记 only.
    assert texts[-1] == "  陇县脱贫攻坚领导小组办公室\t2018年7月20日印发  "
    assert not any(published.content_hash in text or "SHA-256" in text for text in texts)


def test_it_names_the_correction_in_a_reissued_document(published, world):
    corrected = actions.reissue_bulletin(published, reason="县卫计局数据更正", actor=world.hq)
    document = Document(io.BytesIO(bytes(corrected.docx)))
    texts = [p.text for p in document.paragraphs]
    assert texts[1] == "第1期（更正版）"
    assert "本期为第1期的更正版，更正原因：县卫计局数据更正。原通报作废，以本期为准。" in texts


def _fontconfig(tmp_path: Path) -> Path:
    """A fontconfig file adding the vendored CJK font, so the PDF does not depend on the host."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{charts.FONT_PATH.parent}</dir>"
        f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return conf


NEEDS_LIBREOFFICE = pytest.mark.skipif(
    shutil.which("soffice") is None
    or shutil.which("pdftotext") is None
    or shutil.which("pdfinfo") is None,
    reason="needs LibreOffice (libreoffice-writer-nogui) and poppler-utils (pdftotext, pdfinfo)",
)


def _to_pdf(docx: bytes, tmp_path: Path) -> Path:
    """The document converted by LibreOffice, with the vendored CJK font available."""
    source = tmp_path / "bulletin.docx"
    source.write_bytes(docx)
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "FONTCONFIG_FILE": str(_fontconfig(tmp_path)),
    }
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env=env,
    )
    pdf = tmp_path / "bulletin.pdf"
    assert pdf.exists()
    return pdf


def _pages(pdf: Path) -> int:
    info = subprocess.run(
        ["pdfinfo", str(pdf)], check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


@NEEDS_LIBREOFFICE
def test_it_converts_to_pdf_with_libreoffice(published, tmp_path):
    pdf = _to_pdf(bytes(published.docx), tmp_path)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    flat = "".join(text.split())
    assert "脱贫攻坚工作周通报" in flat
    assert "第1期" in flat
    assert "".join(TITLE.split()) in flat
    assert "陇县脱贫攻坚领导小组办公室" in flat
    assert "县卫计局" in flat
    assert "SHA-256" not in flat


@NEEDS_LIBREOFFICE
@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_weeks_bulletin_prints_on_six_pages_with_repeated_headers(tmp_path):
    """The demo's week-29 draft (19 actions, 35 units, every report) is a short read."""
    from tuopin.synth import cases_demo, plan_demo, reports_demo
    from tuopin.synth.county import build_county

    quiet = lambda message: None  # noqa: E731
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        county = build_county(seed=1).county
        for module in (plan_demo, reports_demo, cases_demo):
            module.populate(county, seed=1, log=quiet)
        campaign = Campaign.objects.get(county=county)
        snapshot = compose(campaign, "2018-W29")
        docx = render_docx(snapshot)
    document = Document(io.BytesIO(docx))
    texts = [p.text for p in document.paragraphs]
    # 35 units' reports repeat the same few problems and suggestions: nine items, each naming its units.
    problems = [text for text in texts if text.endswith("反映）。")]
    assert len(problems) == len(snapshot["problems"]) == 9
    assert texts.index("（一）存在问题") < texts.index(problems[0])
    assert texts.index("（二）意见建议") == texts.index(problems[4]) + 1
    # (Which unit files which problem depends on the database's name order; the form does not.)
    assert problems == [
        f"{index}. {item['text'].rstrip('。')}（{'、'.join(item['units'])}反映）。"
        for kind in ("problems", "suggestions")
        for index, item in enumerate(
            (item for item in snapshot["problems"] if item["kind"] == kind), start=1
        )
    ]
    for table in document.tables:
        header = table.rows[0]._tr.trPr
        assert header.find(qn("w:tblHeader")).get(qn("w:val")) == "true"
    headers = [[cell.text for cell in table.rows[0].cells] for table in document.tables]
    assert ["行动", "时间节点", "截止", "状态", "目标", "最新值", "预计"] in headers
    assert _pages(_to_pdf(docx, tmp_path)) == 6
