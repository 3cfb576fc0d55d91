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
from tuopin.bulletin.docx import FANGSONG, HEITI, KAITI, RED, XIAOBIAOSONG

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
    headers = [[cell.text for cell in table.rows[0].cells] for table in document.tables]
    assert ["项目", "数量"] in headers
    assert ["专项行动 / 时间节点", "责任领导", "状态", "目标", "最新值", "预计"] in headers
    assert ["单位", "签字报送时间"] in headers
    assert ["排名", "镇", "综合得分", "周报按时率", "节点完成度", "超期问题", "较上周"] in headers
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
    assert len(document.inline_shapes) == 3
    images = [p for p in document.part.package.parts if p.content_type == "image/png"]
    assert len(images) == 3
    assert document.settings.odd_and_even_pages_header_footer
    for footer in (document.sections[0].footer, document.sections[0].even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and 'w:fldCharType="begin"' in xml
        assert footer.paragraphs[0].text.startswith("— ")
    assert any(
        p.text.startswith("内容摘要（SHA-256）：" + published.content_hash)
        for p in document.paragraphs
    )


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


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="needs LibreOffice (libreoffice-writer-nogui) and pdftotext (poppler-utils)",
)
def test_it_converts_to_pdf_with_libreoffice(published, tmp_path):
    source = tmp_path / "bulletin.docx"
    source.write_bytes(bytes(published.docx))
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
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    flat = "".join(text.split())
    assert "脱贫攻坚工作周通报" in flat
    assert "第1期" in flat
    assert "".join(TITLE.split()) in flat
    assert "陇县脱贫攻坚领导小组办公室" in flat
    assert "县卫计局" in flat
