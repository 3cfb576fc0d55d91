"""The registry workbook layout: sheets 村/户/人, their Chinese headers and the field behind each.

One description drives import, export and the template, so the three never drift apart.
"""

from __future__ import annotations

from tuopin.ledger.layout import Column, Ledger, normalize_header
from tuopin.registry import codes

__all__ = ["REGISTRY", "Column", "header_lookup", "normalize_header"]


VILLAGE_SHEET = "村"
HOUSEHOLD_SHEET = "户"
PERSON_SHEET = "人"
SHEETS = (VILLAGE_SHEET, HOUSEHOLD_SHEET, PERSON_SHEET)

VILLAGE_COLUMNS: tuple[Column, ...] = (
    Column("村代码", "village_code", "village_code", True, blank_ok=False),
    Column("村名", "", "text", True),
    Column("是否贫困村", "is_poor_village", "bool", True, blank_ok=False),
    Column("通硬化路", "paved_road", "bool", True, blank_ok=False),
    Column("标准化卫生室", "standard_clinic", "bool", True, blank_ok=False),
    Column("集体经济或合作组织", "collective_economy", "bool", True, blank_ok=False),
    Column("30户以上自然村数", "natural_villages_30plus", "int", True, blank_ok=False),
    Column("通动力电自然村数", "natural_villages_30plus_with_power", "int", True, blank_ok=False),
    Column("通自来水", "tap_water", "bool", blank_ok=False),
)

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household_no", "text", True, blank_ok=False),
    Column("村代码", "village_id", "village_code", True, blank_ok=False),
    Column("组", "group_name", "text", True),
    Column("户主姓名", "head_name", "name", True, blank_ok=False),
    Column(
        "户主证件号码",
        "head_id_number",
        "id_number",
        True,
        blank_ok=False,
        aliases=("户主身份证号码", "户主身份证号"),
    ),
    Column("联系电话", "phone", "phone", aliases=("户主电话", "电话")),
    Column("是否建档立卡", "is_registered", "bool", True, blank_ok=False),
    Column("识别标准", "identification_standard", "choice", choices=codes.IdentificationStandard),
    Column("贫困户属性", "poverty_attribute", "choice", True, codes.PovertyAttribute),
    Column("主要致贫原因", "main_cause", "choice", True, codes.PovertyCause),
    Column("其他致贫原因", "other_causes", "causes"),
    Column("脱贫状态", "exit_status", "choice", True, codes.ExitStatus),
    Column("脱贫年度", "exit_year", "year", True),
    Column("首次识别年度", "first_identified_year", "year", True),
    Column(
        "计划脱贫年度", "planned_exit_year", "plan_year", aliases=("计划脱贫年份", "计划脱贫时间")
    ),
    Column("工资性收入", "wage_income", "money", True),
    Column("生产经营性收入", "business_income", "money", True),
    Column("财产性收入", "property_income", "money", True),
    Column("转移性收入", "transfer_income", "money", True),
    Column("生产经营性支出", "business_expense", "money", True),
    Column("住房等级", "housing_grade", "choice", True, codes.HousingGrade),
    Column("住房鉴定日期", "housing_appraised_on", "date"),
    Column("搬迁安置", "relocation", "choice", True, codes.Relocation),
    Column("水质达标", "water_quality_ok", "bool", True, blank_ok=False),
    Column("人均日用水量升", "water_liters_per_person_day", "liters", True),
    Column("供水入户", "water_piped", "bool", True, blank_ok=False),
    Column("取水往返分钟", "water_minutes_round_trip", "int", True),
    Column("供水保证率", "water_reliability", "percent", True),
    Column("通生活用电", "has_household_electricity", "bool", True, blank_ok=False),
    Column("帮扶责任人", "helper_name", "name"),
    Column("帮扶单位", "helper_unit", "text"),
    Column("帮扶人职务", "helper_post", "text"),
    Column("帮扶人电话", "helper_phone", "phone"),
    Column("家庭人口", "", "derived"),
)

PERSON_COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household_no", "text", True, blank_ok=False),
    Column("人编号", "person_no", "text"),
    Column("姓名", "name", "name", True, blank_ok=False),
    Column(
        "证件号码",
        "id_number",
        "id_number",
        True,
        blank_ok=False,
        aliases=("身份证号码", "身份证号"),
    ),
    Column("与户主关系", "relationship", "choice", True, codes.Relationship, blank_ok=False),
    Column("性别", "", "derived"),
    Column("出生日期", "", "derived"),
    Column("民族", "ethnicity", "choice", choices=codes.Ethnicity, blank_ok=False),
    Column("文化程度", "education", "choice", choices=codes.Education),
    Column("在校生状况", "schooling_status", "choice", True, codes.SchoolingStatus),
    Column("健康状况", "health", "choice", True, codes.Health, blank_ok=False),
    Column("劳动技能", "labour_skill", "choice", True, codes.LabourSkill, blank_ok=False),
    Column("务工状况", "work_status", "choice", choices=codes.WorkStatus),
    Column("务工月数", "work_months", "months", aliases=("务工时间", "务工时间（月）")),
    Column("参加新农合", "in_rural_medical_insurance", "bool", True, blank_ok=False),
    Column("参加大病保险", "in_serious_illness_insurance", "bool", True, blank_ok=False),
    Column("参加养老保险", "in_pension_insurance", "bool", blank_ok=False),
)

COLUMNS_BY_SHEET: dict[str, tuple[Column, ...]] = {
    VILLAGE_SHEET: VILLAGE_COLUMNS,
    HOUSEHOLD_SHEET: HOUSEHOLD_COLUMNS,
    PERSON_SHEET: PERSON_COLUMNS,
}

REGISTRY = Ledger(
    key="registry",
    title="建档立卡档案",
    sheets=COLUMNS_BY_SHEET,
    notes=(
        "填表说明",
        "1. 工作表“村”“户”“人”的表头请勿修改；红色表头为必填列，可以增加其他列（导入时忽略）。",
        "2. 证件号码、户编号、村代码请使用“文本”格式，避免 Excel 把长数字改写。",
        "3. 是/否、代码类字段请从下拉列表中选择；其他致贫原因最多两项，用“、”分隔。",
        "4. 收入和支出为全年金额（元）；供水保证率为百分数（如 95）。",
        "5. 性别、出生日期由证件号码自动得出；家庭人口按“人”表自动计算。",
        "6. 导入时按户编号和证件号码更新已有档案，文件中没有的户不受影响。",
    ),
    text_kinds=("id_number", "village_code", "text", "phone"),
    wide_kinds=("id_number", "village_code", "text"),
    no_dropdown_kinds=("causes",),
)


def header_lookup(sheet: str) -> dict[str, Column]:
    return REGISTRY.header_lookup(sheet)
