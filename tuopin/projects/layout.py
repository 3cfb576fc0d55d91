"""The project and fund workbook: sheets 项目 and 资金, declared for the ledger engine."""

from __future__ import annotations

from tuopin.ledger.layout import Column, Ledger
from tuopin.projects.codes import FundSource, ProjectKind

PROJECT_SHEET = "项目"
FUND_SHEET = "资金"

PROJECT_COLUMNS: tuple[Column, ...] = (
    Column("项目编号", "code", "text", True, blank_ok=False),
    Column("项目名称", "name", "text", True, blank_ok=False),
    Column("项目类型", "kind", "choice", True, ProjectKind, blank_ok=False),
    Column("所在地代码", "place_code", "place_code", True, blank_ok=False, aliases=("区划代码",)),
    Column("责任单位", "unit_name", "text", True, blank_ok=False),
    Column("专项行动", "action_number", "action", aliases=("专项行动序号",)),
    Column("计划开工", "planned_start", "day"),
    Column("计划完工", "planned_end", "day", True, blank_ok=False),
    Column("实际开工", "actual_start", "date"),
    Column("实际完工", "actual_end", "date"),
    Column("验收日期", "accepted_on", "date"),
    Column("报账日期", "reimbursed_on", "date"),
    Column("受益户数", "households", "count"),
    Column("受益人数", "persons", "count"),
)

FUND_COLUMNS: tuple[Column, ...] = (
    Column("项目编号", "project_code", "text", True, blank_ok=False),
    Column("资金来源", "source", "choice", True, FundSource, blank_ok=False),
    Column("下达文号", "document_no", "text", aliases=("文号",)),
    Column("下达日期", "allocated_on", "date", True, blank_ok=False),
    Column("下达金额（万元）", "allocated", "wan", True, blank_ok=False, aliases=("下达金额",)),
    Column("已拨付（万元）", "disbursed", "wan", aliases=("已拨付",)),
    Column("已报账（万元）", "reimbursed", "wan", aliases=("已报账",)),
)

PROJECTS = Ledger(
    key="projects",
    title="项目资金台账",
    sheets={PROJECT_SHEET: PROJECT_COLUMNS, FUND_SHEET: FUND_COLUMNS},
    notes=(
        "填表说明",
        "1. 工作表“项目”“资金”的表头请勿修改；红色表头为必填列，可以增加其他列（导入时忽略）。",
        "2. 项目编号唯一；所在地代码填县、镇或村的统计用区划代码（请设为“文本”格式）。",
        "3. 责任单位填单位全称或简称；专项行动填 1–19 的序号，可不填。",
        "4. 日期如 2018-05-01；实际开工、实际完工、验收、报账日期不能晚于今天。",
        "5. 资金一行为一次下达：金额单位为万元，最多 4 位小数；已报账 ≤ 已拨付 ≤ 下达金额。",
        "6. 资金行的项目编号须在“项目”表或已有台账中；按项目编号（资金按项目编号+来源+文号）"
        "更新已有记录，文件中没有的项目不受影响。",
    ),
    text_kinds=("text", "place_code"),
    wide_kinds=("text", "place_code"),
)
