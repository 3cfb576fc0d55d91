"""Small project and fund workbooks for tests (real .xlsx written through lib.xlsx_cells)."""

from __future__ import annotations

import io
from typing import Any

from tuopin.lib import xlsx_cells
from tuopin.projects.layout import FUND_COLUMNS, PROJECT_COLUMNS

PROJECT_HEADERS = [c.header for c in PROJECT_COLUMNS]
FUND_HEADERS = [c.header for c in FUND_COLUMNS]


def project(code: str, place: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "项目编号": code,
        "项目名称": f"{code} 通村水泥路",
        "项目类型": "道路",
        "所在地代码": place,
        "责任单位": "县交通局",
        "专项行动": 18,
        "计划开工": "2018-03-01",
        "计划完工": "2018-08-31",
        "实际开工": "2018-03-20",
        "实际完工": "",
        "验收日期": "",
        "报账日期": "",
        "受益户数": 120,
        "受益人数": 410,
    }
    row.update(overrides)
    return row


def fund(code: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "项目编号": code,
        "资金来源": "统筹整合涉农资金",
        "下达文号": "陇财农〔2018〕12号",
        "下达日期": "2018-04-02",
        "下达金额（万元）": 100,
        "已拨付（万元）": 60,
        "已报账（万元）": 20,
    }
    row.update(overrides)
    return row


def workbook(projects: list[dict] | None = None, funds: list[dict] | None = None) -> bytes:
    buffer = io.BytesIO()
    book = xlsx_cells.workbook(buffer)
    for name, headers, rows in (
        ("项目", PROJECT_HEADERS, projects),
        ("资金", FUND_HEADERS, funds),
    ):
        if rows is None:
            continue
        sheet = book.add_worksheet(name)
        xlsx_cells.write_row(sheet, 0, 0, headers)
        for index, row in enumerate(rows, start=1):
            xlsx_cells.write_row(sheet, index, 0, [row.get(h, "") for h in headers])
    book.close()
    return buffer.getvalue()
