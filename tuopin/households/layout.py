"""The household files workbook: sheets 基地合作社, 帮扶措施, 危房改造 and 易地搬迁, declared for
the ledger engine (one declaration drives import, export and the template)."""

from __future__ import annotations

from tuopin.households.codes import BaseKind, MeasureKind, Placement, RenovationKind
from tuopin.ledger.layout import Column, Ledger
from tuopin.registry.codes import HousingGrade

BASE_SHEET = "基地合作社"
MEASURE_SHEET = "帮扶措施"
RENOVATION_SHEET = "危房改造"
RELOCATION_SHEET = "易地搬迁"

BASE_COLUMNS: tuple[Column, ...] = (
    Column("编号", "code", "text", True, blank_ok=False, aliases=("基地编号",)),
    Column("名称", "name", "text", True, blank_ok=False),
    Column("类别", "kind", "choice", True, BaseKind, blank_ok=False),
    Column("所在地代码", "place_code", "place_code", True, blank_ok=False),
    Column("主导产业", "industry", "text"),
    Column("双百基地", "is_shuangbai", "bool", True, blank_ok=False, aliases=("是否双百",)),
)

MEASURE_COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household_no", "text", True, blank_ok=False),
    Column("措施类别", "kind", "choice", True, MeasureKind, blank_ok=False),
    Column("实施日期", "done_on", "date", True, blank_ok=False),
    Column("金额（元）", "amount", "money", aliases=("金额",)),
    Column("措施内容", "content", "text"),
    Column("产业类型", "industry_type", "text"),
    Column("规模", "scale", "text"),
    Column("联结基地编号", "base_code", "text", aliases=("基地编号",)),
)

RENOVATION_COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household_no", "text", True, blank_ok=False),
    Column("任务年度", "year", "plan_year", True, blank_ok=False),
    Column("改造类型", "kind", "choice", True, RenovationKind, blank_ok=False),
    Column("改造前等级", "grade_before", "choice", choices=HousingGrade),
    Column("开工日期", "started_on", "date"),
    Column("竣工日期", "completed_on", "date"),
    Column("达到入住条件日期", "habitable_on", "date"),
    Column("入住日期", "moved_in_on", "date"),
    Column("核定补助（元）", "subsidy_approved", "money", aliases=("核定补助",)),
    Column("已拨付补助（元）", "subsidy_paid", "money", aliases=("已拨付补助",)),
    Column("验收日期", "accepted_on", "date"),
    Column("验收后等级", "grade_after", "choice", choices=HousingGrade),
)

RELOCATION_COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household_no", "text", True, blank_ok=False),
    Column("安置方式", "placement", "choice", True, Placement, blank_ok=False),
    Column("安置点项目编号", "site_code", "text", aliases=("安置点",)),
    Column("搬迁批次年度", "batch_year", "plan_year", True, blank_ok=False),
    Column("住房竣工日期", "house_finished_on", "date"),
    Column("验收日期", "accepted_on", "date"),
    Column("补助兑付日期", "subsidy_paid_on", "date"),
    Column("交钥匙日期", "keys_on", "date"),
    Column("搬迁入住日期", "moved_in_on", "date"),
    Column("旧房拆除日期", "demolished_on", "date"),
    Column("超面积", "over_area", "bool"),
    Column("超负债", "over_debt", "bool"),
    Column("双超整改日期", "over_resolved_on", "date"),
    Column("双超整改方式", "over_resolution", "text"),
    Column("就业人数", "employed", "count"),
)

HOUSEHOLD_FILES = Ledger(
    key="households",
    title="帮扶档案",
    sheets={
        BASE_SHEET: BASE_COLUMNS,
        MEASURE_SHEET: MEASURE_COLUMNS,
        RENOVATION_SHEET: RENOVATION_COLUMNS,
        RELOCATION_SHEET: RELOCATION_COLUMNS,
    },
    notes=(
        "填表说明",
        "1. 四个工作表可以只填其中几个；表头请勿修改，红色表头为必填列。",
        "2. 户编号须是建档立卡档案中您管辖范围内的户；基地编号唯一，所在地代码填县、镇或村代码。",
        "3. 帮扶措施按户编号+措施类别+实施日期+措施内容识别，重复导入只更新变化的金额等。",
        "4. 联结基地编号须在“基地合作社”表或已有台账中。",
        "5. 危房改造每户每年一行：开工 ≤ 竣工 ≤ 达到入住条件 ≤ 入住；已拨付补助不能超过核定补助；"
        "填了验收后等级，该户档案的住房等级随之更新。",
        "6. 易地搬迁每户一行：集中安置须填安置点项目编号（项目库中类型为易地搬迁安置点的项目）；"
        "竣工 ≤ 验收 ≤ 交钥匙 ≤ 入住；双超整改日期只在超面积或超负债时填写。",
        "7. 日期如 2018-05-01，不能晚于今天；金额单位为元。",
    ),
    text_kinds=("text", "place_code"),
    wide_kinds=("text", "place_code"),
)
