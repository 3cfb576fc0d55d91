"""The water workbook: sheets 供水点, 受益农户 and 水质检测, declared for the ledger engine."""

from __future__ import annotations

from tuopin.ledger.layout import Column, Ledger
from tuopin.water.codes import PARAMETERS, SampleKind, SupplyKind

POINT_SHEET = "供水点"
SERVICE_SHEET = "受益农户"
TEST_SHEET = "水质检测"

POINT_COLUMNS: tuple[Column, ...] = (
    Column("供水点编号", "code", "text", True, blank_ok=False),
    Column("供水点名称", "name", "text", True, blank_ok=False),
    Column("所在村代码", "village_code", "village_code", True, blank_ok=False),
    Column("供水方式", "kind", "choice", True, SupplyKind, blank_ok=False),
    Column("水源", "source", "text"),
    Column("供水工程", "scheme", "text", aliases=("工程名称",)),
    Column("建设项目编号", "project_code", "text", aliases=("项目编号",)),
)
SERVICE_COLUMNS: tuple[Column, ...] = (
    Column("供水点编号", "point_code", "text", True, blank_ok=False),
    Column("户编号", "household_no", "text", True, blank_ok=False),
)
TEST_COLUMNS: tuple[Column, ...] = (
    Column("报告编号", "report_no", "text", True, blank_ok=False),
    Column("供水点编号", "point_code", "text"),
    Column("户编号", "household_no", "text"),
    Column("检测日期", "tested_on", "date", True, blank_ok=False),
    Column("检测机构", "lab", "text", True, blank_ok=False),
    Column("水样类型", "sample", "choice", False, SampleKind),
    Column("检测指标", "values", "parameters", True, blank_ok=False),
    Column("结论", "conclusion", "conclusion", aliases=("检测结论",)),
)

WATER = Ledger(
    key="water",
    title="安全饮水台账",
    sheets={POINT_SHEET: POINT_COLUMNS, SERVICE_SHEET: SERVICE_COLUMNS, TEST_SHEET: TEST_COLUMNS},
    notes=(
        "填表说明",
        "1. 工作表“供水点”“受益农户”“水质检测”的表头请勿修改；红色表头为必填列，可只填其中一张表。",
        "2. 供水点编号唯一；所在村代码填12位统计用区划代码（请设为“文本”格式）；建设项目编号须在项目库中。",
        "3. 受益农户一行为一户：供水点编号 + 建档立卡户编号。",
        "4. 水质检测一行为一份检测报告：填供水点编号（供水点检测）或户编号（入户检测），至少填一个。",
        "5. 检测指标按《生活饮用水卫生标准》（GB 5749）填写，格式如“浑浊度=0.6；pH=7.2；菌落总数=20”。可填指标："
        + "、".join(f"{p.name}（{p.unit or '无量纲'}）" for p in PARAMETERS.values())
        + "。",
        "6. 结论可不填，由系统按限值判定；填写时须与检测值一致。检测报告文件在网页上逐份上传。",
    ),
    text_kinds=("text", "village_code"),
    wide_kinds=("text", "parameters"),
    no_dropdown_kinds=("conclusion",),
)
