"""The drill's visit sheet (.xlsx): one row per sampled household, columns to fill in."""

from __future__ import annotations

import io

from tuopin.assess.actions import SHEET_COLUMNS
from tuopin.assess.models import Drill
from tuopin.lib import xlsx_cells
from tuopin.org import privacy
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
    """The workbook; phones as org.privacy shows them to ``user`` (unmasked ones logged)."""
    output = io.BytesIO()
    workbook = xlsx_cells.workbook(output, in_memory=True)
    header = workbook.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1})
    fill = workbook.add_format({"bg_color": "#FFF8DC", "border": 1})
    sheet = workbook.add_worksheet("走访表")
    write = xlsx_cells.write_cell
    xlsx_cells.write_row(sheet, 0, 0, HEADERS, header)
    villages = dict(
        OrgUnit.objects.filter(code__in=drill.households.values("village_code")).values_list(
            "code", "name"
        )
    )
    rows = drill.households.select_related("household").visible_to(user).order_by("sequence")
    with privacy.output(user, what=f"导出{drill.name}走访表", via="export") as shown:
        for index, sampled in enumerate(rows, start=1):
            household = sampled.household
            phone = shown.of(sampled).phone(household.phone) if household.phone else ""
            xlsx_cells.write_row(
                sheet,
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
                    "达标" if sampled.predicted_pass else "未达标",
                ],
            )
            meets = {True: "是", False: "否", None: ""}[sampled.meets_standard]
            write(sheet, index, 10, meets, fill)
            write(
                sheet, index, 11, sampled.get_approval_display() if sampled.approval else "", fill
            )
            write(sheet, index, 12, sampled.note, fill)
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
        write(notes, line, 0, text)
    notes.set_column(0, 0, 100)
    workbook.close()
    return output.getvalue()
