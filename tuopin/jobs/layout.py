"""The employment workbook (务工, 招聘会, 培训, 培训人员, 公益岗位) and the collective-economy
workbook (集体经济组织, 集体收入), declared for the ledger engine."""

from __future__ import annotations

from tuopin.jobs.codes import Channel, CoopKind, IncomeSource, PostKind, TrainingKind, WorkPlace
from tuopin.ledger.layout import Column, Ledger

SPELL_SHEET, FAIR_SHEET, TRAINING_SHEET, ATTEND_SHEET, POST_SHEET = (
    "务工",
    "招聘会",
    "培训",
    "培训人员",
    "公益岗位",
)
COOP_SHEET, INCOME_SHEET = "集体经济组织", "集体收入"

SPELL_COLUMNS = (
    Column("证件号码", "id_number", "citizen", True, blank_ok=False, aliases=("身份证号",)),
    Column("姓名", "name", "text"),
    Column("务工地点", "place", "choice", True, WorkPlace, blank_ok=False),
    Column("就业渠道", "channel", "choice", True, Channel, blank_ok=False),
    Column("用工单位", "employer", "text"),
    Column("开始日期", "started_on", "date", True, blank_ok=False),
    Column("结束日期", "ended_on", "day"),
    Column("月收入（元）", "monthly_pay", "money", aliases=("月收入",)),
    Column("全职", "full_time", "bool"),
)
FAIR_COLUMNS = (
    Column("招聘会编号", "code", "text", True, blank_ok=False),
    Column("举办日期", "held_on", "date", True, blank_ok=False),
    Column("举办地点", "place", "text", True, blank_ok=False),
    Column("所在地代码", "area_code", "place_code", True, blank_ok=False),
    Column("参会企业数", "employers", "count"),
    Column("提供岗位数", "posts", "count"),
    Column("参会贫困劳动力", "attending", "count"),
    Column("录用贫困劳动力", "hired", "count", aliases=("达成就业意向",)),
)
TRAINING_COLUMNS = (
    Column("培训编号", "code", "text", True, blank_ok=False),
    Column("培训名称", "name", "text", True, blank_ok=False),
    Column("培训类别", "kind", "choice", True, TrainingKind, blank_ok=False),
    Column("所在地代码", "area_code", "place_code", True, blank_ok=False),
    Column("开始日期", "started_on", "date", True, blank_ok=False),
    Column("结束日期", "ended_on", "day"),
    Column("学时", "hours", "count"),
)
ATTEND_COLUMNS = (
    Column("培训编号", "training_code", "text", True, blank_ok=False),
    Column("证件号码", "id_number", "citizen", True, blank_ok=False, aliases=("身份证号",)),
    Column("姓名", "name", "text"),
    Column("结业", "completed", "bool"),
)
POST_COLUMNS = (
    Column("岗位编号", "code", "text", True, blank_ok=False),
    Column("岗位名称", "name", "text", True, blank_ok=False),
    Column("岗位类别", "kind", "choice", True, PostKind, blank_ok=False),
    Column("所在村代码", "village_code", "place_code", True, blank_ok=False),
    Column("在岗人员证件号码", "id_number", "citizen", aliases=("证件号码",)),
    Column("月补贴（元）", "monthly_pay", "money", aliases=("月补贴",)),
    Column("开始日期", "started_on", "day", True, blank_ok=False),
    Column("结束日期", "ended_on", "day"),
    Column("非本村人员原因", "outside_reason", "text"),
)
COOP_COLUMNS = (
    Column("所在村代码", "village_code", "place_code", True, blank_ok=False),
    Column("年度", "year", "year", True, blank_ok=False),
    Column("名称", "name", "text", True, blank_ok=False),
    Column("类别", "kind", "choice", True, CoopKind, blank_ok=False),
    Column("已登记赋码", "registered", "bool"),
    Column("登记日期", "registered_on", "date"),
    Column("成员数", "members", "count"),
    Column("资产（万元）", "assets", "wan", aliases=("资产",)),
)
INCOME_COLUMNS = (
    Column("所在村代码", "village_code", "place_code", True, blank_ok=False),
    Column("年度", "year", "year", True, blank_ok=False),
    Column("收入来源", "source", "choice", True, IncomeSource, blank_ok=False),
    Column("金额（万元）", "amount", "wan", True, blank_ok=False, aliases=("金额",)),
)

JOBS = Ledger(
    key="jobs",
    title="就业台账",
    sheets={
        SPELL_SHEET: SPELL_COLUMNS,
        FAIR_SHEET: FAIR_COLUMNS,
        TRAINING_SHEET: TRAINING_COLUMNS,
        ATTEND_SHEET: ATTEND_COLUMNS,
        POST_SHEET: POST_COLUMNS,
    },
    notes=(
        "填表说明",
        "1. 各工作表表头请勿修改；红色表头为必填列；可只填其中几张表。",
        "2. 人员按证件号码对应建档立卡档案中的家庭成员（请设为“文本”格式）。",
        "3. 务工一行为一段务工经历，按证件号码+开始日期更新；结束日期不能早于开始日期；"
        "同一人的全职务工时间不能重叠。",
        "4. 所在地代码填县、镇或村的统计用区划代码；录用人数不能多于参会人数。",
        "5. 培训人员的培训编号须在“培训”表或已有台账中；两后生培训选“两后生培训”。",
        "6. 公益岗位在岗人员须为本村建档立卡人员，否则请填写“非本村人员原因”。",
    ),
    text_kinds=("text", "citizen", "place_code"),
    wide_kinds=("text", "citizen"),
)
ECONOMY = Ledger(
    key="economy",
    title="村集体经济台账",
    sheets={COOP_SHEET: COOP_COLUMNS, INCOME_SHEET: INCOME_COLUMNS},
    notes=(
        "填表说明",
        "1. 各工作表表头请勿修改；红色表头为必填列。",
        "2. 所在村代码填12位村级统计用区划代码（请设为“文本”格式），年度如 2018。",
        "3. 集体经济组织按村+年度+名称更新；股份经济合作社选类别“股份经济合作社”。",
        "4. 集体收入一行为一个村一年一个来源的金额（万元），不能为负数；"
        "经营收入、发包及上交收入、投资收益合计为零的村为“空壳村”。",
    ),
    text_kinds=("text", "place_code"),
    wide_kinds=("text",),
)
