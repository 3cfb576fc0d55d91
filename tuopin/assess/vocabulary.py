"""The names a rule may use at each level, and where each lives in the registry.

Rule files may only name what is listed here, so that a rule cannot reach personal data
(names, citizen IDs, phones) and every name compiles to a known column. Adding a province's
rules needs no code change as long as its rules use these names; a genuinely new fact is a
registry field plus one line here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["number", "text", "bool", "date"]


@dataclass(frozen=True)
class Fact:
    path: str  # model field (household/member: on that model; village: see VILLAGE_FACTS)
    kind: Kind
    label: str
    unit: str = ""  # written after the value in explanations ("元", "升"); money is grouped


HOUSEHOLD_FACTS: dict[str, Fact] = {
    "is_registered": Fact("is_registered", "bool", "是否建档立卡"),
    "identification_standard": Fact("identification_standard", "text", "识别标准"),
    "poverty_attribute": Fact("poverty_attribute", "text", "贫困户属性"),
    "main_cause": Fact("main_cause", "text", "主要致贫原因"),
    "exit_status": Fact("exit_status", "text", "脱贫状态"),
    "exit_year": Fact("exit_year", "number", "脱贫年度"),
    "first_identified_year": Fact("first_identified_year", "number", "首次识别年度"),
    "wage_income": Fact("wage_income", "number", "工资性收入", "元"),
    "business_income": Fact("business_income", "number", "生产经营性收入", "元"),
    "property_income": Fact("property_income", "number", "财产性收入", "元"),
    "transfer_income": Fact("transfer_income", "number", "转移性收入", "元"),
    "business_expense": Fact("business_expense", "number", "生产经营性支出", "元"),
    "housing_grade": Fact("housing_grade", "text", "住房等级"),
    "housing_appraised_on": Fact("housing_appraised_on", "date", "住房鉴定日期"),
    "relocation": Fact("relocation", "text", "搬迁安置"),
    "water_quality_ok": Fact("water_quality_ok", "bool", "水质达标"),
    "water_liters_per_person_day": Fact(
        "water_liters_per_person_day", "number", "人均日用水量", "升"
    ),
    "water_piped": Fact("water_piped", "bool", "供水入户"),
    "water_minutes_round_trip": Fact("water_minutes_round_trip", "number", "取水往返时间", "分钟"),
    "water_reliability": Fact("water_reliability", "number", "供水保证率", "%"),
    "has_household_electricity": Fact("has_household_electricity", "bool", "通生活用电"),
    "member_count": Fact("member_count", "number", "家庭人口", "人"),
}

MEMBER_FACTS: dict[str, Fact] = {
    "relationship": Fact("relationship", "text", "与户主关系"),
    "sex": Fact("sex", "text", "性别"),
    "birth_date": Fact("birth_date", "date", "出生日期"),
    "ethnicity": Fact("ethnicity", "text", "民族"),
    "education": Fact("education", "text", "文化程度"),
    "schooling_status": Fact("schooling_status", "text", "在校生状况"),
    "health": Fact("health", "text", "健康状况"),
    "labour_skill": Fact("labour_skill", "text", "劳动技能"),
    "work_status": Fact("work_status", "text", "务工状况"),
    "work_months": Fact("work_months", "number", "务工时间", "个月"),
    "in_rural_medical_insurance": Fact("in_rural_medical_insurance", "bool", "参加新农合"),
    "in_serious_illness_insurance": Fact("in_serious_illness_insurance", "bool", "参加大病保险"),
    "in_pension_insurance": Fact("in_pension_insurance", "bool", "参加养老保险"),
}

# Village facts: VillageFacts fields, the poor-village flag, and last year's income share
# (assess.VillageBaseline). A village without a facts row has every fact unknown.
VILLAGE_FACTS: dict[str, Fact] = {
    "paved_road": Fact("facts.paved_road", "bool", "通硬化路"),
    "standard_clinic": Fact("facts.standard_clinic", "bool", "标准化卫生室"),
    "collective_economy": Fact("facts.collective_economy", "bool", "集体经济或合作组织"),
    "tap_water": Fact("facts.tap_water", "bool", "通自来水"),
    "natural_villages_30plus": Fact("facts.natural_villages_30plus", "number", "30户以上自然村数"),
    "natural_villages_30plus_with_power": Fact(
        "facts.natural_villages_30plus_with_power", "number", "通动力电自然村数"
    ),
    "is_poor_village": Fact("is_poor_village", "bool", "贫困村"),
    "last_year_income_share": Fact("baseline.income_share", "number", "上年收入占比"),
}

# Collections each level may aggregate over.
COLLECTIONS = {"household": "members", "village": "households", "county": "households"}
