from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

from tuopin.lib import clock
from tuopin.lib.citizen_id import check_digit
from tuopin.registry import fastdb
from tuopin.registry.importer import plan_import
from tuopin.registry.layout import PERSON_COLUMNS
from tuopin.registry.models import Household, Person
from tuopin.registry.reader import read_workbook

NOW = "2018-07-20T10:00:00+08:00"
PERSONS = 100_000
PER_HOUSEHOLD = 4
BAD_INDEX = 73_455  # 0-based data row → sheet row 73,457


def _ids(count: int) -> list[str]:
    ids = []
    start = dt.date(1950, 1, 1)
    for index in range(count):
        birth = start + dt.timedelta(days=index // 400)
        first17 = f"610327{birth:%Y%m%d}{index % 400 * 2 + 1:03d}"
        ids.append(first17 + check_digit(first17))
    return ids


def test_it_refuses_one_bad_id_among_100k_rows_naming_exactly_that_row(world):
    village = world.cg_village
    ids = _ids(PERSONS)
    households = PERSONS // PER_HOUSEHOLD
    with clock.frozen(NOW):
        fastdb.insert_rows(
            Household,
            [
                "household_no",
                "village_id",
                "head_name",
                "head_id_number",
                "member_count",
                "is_active",
                "other_causes",
                "group_name",
                "phone",
                "identification_standard",
                "poverty_attribute",
                "main_cause",
                "exit_status",
                "helper_name",
                "helper_unit",
                "helper_post",
                "helper_phone",
                "wage_income",
                "business_income",
                "property_income",
                "transfer_income",
                "business_expense",
                "housing_grade",
                "relocation",
                "water_quality_ok",
                "water_liters_per_person_day",
                "water_piped",
                "water_minutes_round_trip",
                "water_reliability",
                "has_household_electricity",
                "closed_reason",
                "is_registered",
            ],
            [
                (
                    f"{village.code}{h:05d}",
                    village.pk,
                    "户主",
                    ids[h * PER_HOUSEHOLD],
                    0,
                    True,
                    "[]",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    0,
                    0,
                    0,
                    0,
                    0,
                    "A",
                    "none",
                    True,
                    30,
                    True,
                    0,
                    100,
                    True,
                    "",
                    False,
                )
                for h in range(households)
            ],
        )
    bad = ids[BAD_INDEX][:17] + ("1" if ids[BAD_INDEX][17] != "1" else "2")
    required = [c.header for c in PERSON_COLUMNS if c.required and c.kind != "derived"]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet("人")
    sheet.write_row(0, 0, required)
    for index in range(PERSONS):
        household = index // PER_HOUSEHOLD
        relationship = "户主" if index % PER_HOUSEHOLD == 0 else "之子"
        number = bad if index == BAD_INDEX else ids[index]
        sheet.write_row(
            index + 1,
            0,
            [
                f"{village.code}{household:05d}",
                "张三",
                number,
                relationship,
                "非在校生",
                "健康",
                "普通劳动力",
                "是",
                "是",
            ],
        )
    book.close()
    with clock.frozen(NOW):
        plan = plan_import(read_workbook(buffer.getvalue(), "big.xlsx"))
    assert [(p.sheet, p.row, p.column, p.value) for p in plan.problems] == [
        ("人", BAD_INDEX + 2, "证件号码", bad)
    ]
    assert plan.problems[0].reason.startswith("证件号码校验位错误")
    assert plan.ok is False
    assert plan.new_persons == []
    assert Person.objects.count() == 0
