"""The bulletin's 项目与资金 section: on the page and in the Word file, or left out without data."""

from __future__ import annotations

import io

import pytest
from docx import Document

from tuopin.bulletin.compose import compose
from tuopin.bulletin.docx import render_docx
from tuopin.bulletin.tests import data
from tuopin.lib import clock
from tuopin.projects import actions
from tuopin.projects.ledger_app import APP
from tuopin.projects.tests.helpers import fund, project, workbook

pytestmark = pytest.mark.django_db


def _texts(snapshot) -> list[str]:
    return [p.text for p in Document(io.BytesIO(render_docx(snapshot))).paragraphs]


def test_the_section_reports_projects_and_money(world):
    with clock.frozen(data.NOW):
        campaign = data.build(world)
        empty = compose(campaign, data.WEEK)
        assert not empty["projects"]["available"]
        assert not any("项目与资金" in text for text in _texts(empty))
        rows = [
            project("P1", world.cg_village.code, 计划完工="2018-06-30"),
            project(
                "P2",
                world.df_village.code,
                项目类型="卫生室",
                责任单位="县卫计局",
                实际完工="2018-07-01",
            ),
        ]
        plan = APP.check(workbook(rows, [fund("P1", **{"已拨付（万元）": 20})]), "x.xlsx")
        actions.apply_import(plan, actor=world.hq)
        snapshot = compose(campaign, data.WEEK)
    section = snapshot["projects"]
    assert section["available"] and section["overdue"] == ["P1"]
    assert (
        "共有项目2个，已完工1个（完工率50.0%），计划完工日期已过仍未完工（逾期）1个"
        in section["summary"]
    )
    assert "拨付率20%" in section["summary"] and "1个项目有滞留资金" in section["summary"]
    assert {row["name"] for row in section["rows"]} == {"道路", "卫生室"}
    texts = _texts(snapshot)
    heading = next(text for text in texts if text.endswith("项目与资金"))
    assert texts[texts.index(heading) + 1] == section["summary"]
