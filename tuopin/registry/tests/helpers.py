"""Building small registry workbooks for tests."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
import xlwt

from tuopin.lib.citizen_id import check_digit
from tuopin.registry.layout import COLUMNS_BY_SHEET


def citizen_id(birth: str, sequence: int, region: str = "610327") -> str:
    first17 = f"{region}{birth}{sequence:03d}"
    return first17 + check_digit(first17)


def headers(sheet: str) -> list[str]:
    return [c.header for c in COLUMNS_BY_SHEET[sheet] if c.kind != "derived"]


def household_row(
    number: str, village: str, head: str, head_id: str, **overrides
) -> dict[str, Any]:
    row = {
        "户编号": number,
        "村代码": village,
        "组": "一组",
        "户主姓名": head,
        "户主证件号码": head_id,
        "联系电话": "13800000000",
        "是否建档立卡": "是",
        "识别标准": "国家标准",
        "贫困户属性": "一般贫困户",
        "主要致贫原因": "因病",
        "其他致贫原因": "缺技术",
        "脱贫状态": "已脱贫",
        "脱贫年度": 2017,
        "首次识别年度": 2014,
        "工资性收入": 12000,
        "生产经营性收入": 5000.5,
        "财产性收入": 0,
        "转移性收入": 3000,
        "生产经营性支出": 1500,
        "住房等级": "B",
        "住房鉴定日期": "2017-05-01",
        "搬迁安置": "无",
        "水质达标": "是",
        "人均日用水量升": 45,
        "供水入户": "是",
        "取水往返分钟": 0,
        "供水保证率": 98,
        "通生活用电": "是",
        "帮扶责任人": "王干部",
        "帮扶单位": "县交通局",
        "帮扶人职务": "科员",
        "帮扶人电话": "13900000000",
    }
    row.update(overrides)
    return row


def person_row(
    number: str, name: str, id_number: str, relationship: str = "户主", **overrides
) -> dict[str, Any]:
    row = {
        "户编号": number,
        "人编号": "",
        "姓名": name,
        "证件号码": id_number,
        "与户主关系": relationship,
        "民族": "汉族",
        "文化程度": "初中",
        "在校生状况": "非在校生",
        "健康状况": "健康",
        "劳动技能": "普通劳动力",
        "务工状况": "未务工",
        "务工月数": 0,
        "参加新农合": "是",
        "参加大病保险": "是",
        "参加养老保险": "是",
    }
    row.update(overrides)
    return row


def village_row(code: str, name: str, **overrides) -> dict[str, Any]:
    row = {
        "村代码": code,
        "村名": name,
        "是否贫困村": "是",
        "通硬化路": "是",
        "标准化卫生室": "是",
        "集体经济或合作组织": "是",
        "30户以上自然村数": 3,
        "通动力电自然村数": 3,
        "通自来水": "是",
    }
    row.update(overrides)
    return row


def build(
    sheets: dict[str, list[dict[str, Any]] | list[list[Any]]], header_rows: dict | None = None
) -> bytes:
    """A workbook from rows given as dicts (headers taken from the first row's keys) or lists."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        if rows and isinstance(rows[0], dict):
            keys = list(rows[0])
            table = [keys] + [[row.get(k, "") for k in keys] for row in rows]
        else:
            table = rows
        for r, values in enumerate(table):
            for c, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write_number(r, c, value)
    book.close()
    return buffer.getvalue()


def build_xls(sheets: dict[str, list[dict[str, Any]]]) -> bytes:
    """The same workbook as :func:`build`, written as a real Excel 97–2003 .xls file."""
    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        keys = list(rows[0]) if rows else []
        for r, values in enumerate([keys] + [[row.get(k, "") for k in keys] for row in rows]):
            for c, value in enumerate(values):
                if value is not None and value != "":
                    sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEAD_ID = citizen_id("19700101", 11)
SPOUSE_ID = citizen_id("19720305", 22)
CHILD_ID = citizen_id("20080808", 31)
HEAD2_ID = citizen_id("19650612", 13)


def small_workbook(world, **changes) -> dict[str, list[dict[str, Any]]]:
    """Two households in 东关村 (cg_village): H1 with three members, H2 alone."""
    code = world.cg_village.code
    sheets = {
        "村": [village_row(code, "东关村")],
        "户": [
            household_row(f"{code}0001", code, "张建国", HEAD_ID),
            household_row(
                f"{code}0002",
                code,
                "李平安",
                HEAD2_ID,
                是否建档立卡="否",
                识别标准="",
                贫困户属性="",
                主要致贫原因="",
                其他致贫原因="",
                脱贫状态="",
                脱贫年度="",
                首次识别年度="",
            ),
        ],
        "人": [
            person_row(f"{code}0001", "张建国", HEAD_ID),
            person_row(f"{code}0001", "王秀英", SPOUSE_ID, "配偶"),
            person_row(
                f"{code}0001",
                "张小军",
                CHILD_ID,
                "之子",
                在校生状况="初中",
                文化程度="小学",
                劳动技能="无劳动力",
                参加养老保险="否",
            ),
            person_row(f"{code}0002", "李平安", HEAD2_ID),
        ],
    }
    for sheet, rows in changes.items():
        sheets[sheet] = rows
    return sheets
