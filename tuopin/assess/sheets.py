"""The drill's visit sheet (.xlsx): one row per sampled household, columns to fill in."""

from __future__ import annotations

import io

import xlsxwriter

from tuopin.assess.actions import SHEET_COLUMNS
from tuopin.assess.models import Drill
from tuopin.lib.citizen_id import mask_phone
from tuopin.org.access import may_see_personal_data
from tuopin.org.models import OrgUnit

HEADERS = [
    *SHEET_COLUMNS[:2],
    "村",
    "组",
    "户主",
    "联系电话",
    "建档立卡",
    "已脱贫",
    "人数",
    "系统判定",
    *SHEET_COLUMNS[2:],
]


def visit_sheet(drill: Drill, user) -> bytes:
    """The workbook; phones are masked unless the user may see personal data."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    header = workbook.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1})
    fill = workbook.add_format({"bg_color": "#FFF8DC", "border": 1})
    sheet = workbook.add_worksheet("走访表")
    sheet.write_row(0, 0, HEADERS, header)
    villages = dict(
        OrgUnit.objects.filter(code__in=drill.households.values("village_code")).values_list(
            "code", "name"
        )
    )
    rows = drill.households.select_related("household").visible_to(user).order_by("sequence")
    for index, sampled in enumerate(rows, start=1):
        household = sampled.household
        phone = (
            household.phone if may_see_personal_data(user, sampled) else mask_phone(household.phone)
        )
        sheet.write_row(
            index,
            0,
            [
                sampled.sequence,
                household.household_no,
                villages.get(sampled.village_code, sampled.village_code),
                household.group_name,
                household.head_name,
                phone,
                "是" if sampled.registered else "否",
                "是" if sampled.exited else "否",
                sampled.persons,
            ],
        )
        sheet.write(index, 9, "达标" if sampled.predicted_pass else "未达标")
        sheet.write(index, 10, {True: "是", False: "否", None: ""}[sampled.meets_standard], fill)
        sheet.write(index, 11, sampled.get_approval_display() if sampled.approval else "", fill)
        sheet.write(index, 12, sampled.note, fill)
    sheet.data_validation(
        1, 10, max(1, rows.count()), 10, {"validate": "list", "source": ["是", "否"]}
    )
    sheet.data_validation(
        1,
        11,
        max(1, rows.count()),
        11,
        {"validate": "list", "source": ["认可", "不认可", "说不清"]},
    )
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 20)
    sheet.set_column(2, 9, 10)
    sheet.set_column(12, 12, 30)
    sheet.freeze_panes(1, 2)
    notes = workbook.add_worksheet("填写说明")
    for line, text in enumerate(
        [
            f"{drill.name}（评估基准日 {drill.as_of}，种子 {drill.seed}）",
            "核实达标：入户核实后，该户是否达到“一超过两不愁三保障”及饮水安全标准，填 是 或 否。",
            "群众认可：被访农户对脱贫攻坚工作及退出结果的态度，填 认可、不认可 或 说不清。",
            "序号与户编号请勿修改；填好后在演练页面“导入走访结果”上传本文件。",
        ]
    ):
        notes.write(line, 0, text)
    notes.set_column(0, 0, 100)
    workbook.close()
    return output.getvalue()
