"""计划脱贫年度: the registry accepts a household's planned exit year, exports it, filters on it."""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from tuopin.lib import clock
from tuopin.org.privacy import UNMASKED
from tuopin.registry.actions import apply_import
from tuopin.registry.exporter import write_registry
from tuopin.registry.importer import plan_import
from tuopin.registry.models import Household
from tuopin.registry.reader import read_workbook
from tuopin.registry.tests.helpers import build, small_workbook

NOW = "2018-07-20T10:00:00+08:00"


def _plan(sheets):
    with clock.frozen(NOW):
        return plan_import(read_workbook(build(sheets), "t.xlsx"))


def _problems(plan):
    return [(p.sheet, p.column, p.value, p.reason) for p in plan.problems]


def _planned(world, **first):
    sheets = small_workbook(world)
    sheets["户"][0].update(脱贫状态="未脱贫", 脱贫年度="", 计划脱贫年度=2018, **first)
    return sheets


def test_a_2018_planned_exit_household_is_accepted_and_exported(world):
    plan = _plan(_planned(world))
    assert _problems(plan) == []
    with clock.frozen(NOW):
        apply_import(plan, filename="t.xlsx")
    household = Household.objects.get(household_no=f"{world.cg_village.code}0001")
    assert household.planned_exit_year == 2018
    assert list(Household.objects.cohort(2018)) == [household]
    buffer = io.BytesIO()
    write_registry(
        buffer, villages=[world.cg_village], households=Household.objects.all(), shown=UNMASKED
    )
    rows = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())).get_sheet_by_name("户")
    rows = rows.to_python()
    header = next(r for r in rows if r and "户编号" in r)
    at = header.index("计划脱贫年度")
    assert any(r[at] in (2018, 2018.0, "2018") for r in rows if r[0] == household.household_no)


def test_a_planned_year_in_the_exit_year_column_points_to_the_new_column(world):
    sheets = small_workbook(world)
    sheets["户"][0].update(脱贫状态="未脱贫", 脱贫年度=2018)
    reasons = [reason for *_, reason in _problems(_plan(sheets))]
    assert any("计划脱贫年度" in reason for reason in reasons)


def test_a_planned_year_before_identification_or_on_a_non_registered_household_is_refused(world):
    sheets = _planned(world, 首次识别年度=2016)
    sheets["户"][0]["计划脱贫年度"] = 2015
    problems = _problems(_plan(sheets))
    assert ("户", "计划脱贫年度", "2015", "早于首次识别年度 2016") in problems
    sheets["户"][0]["计划脱贫年度"] = 2020  # a future year is a plan, not an error
    assert _problems(_plan(sheets)) == []
    sheets = small_workbook(world)
    sheets["户"][0]["计划脱贫年度"] = ""
    sheets["户"][1]["计划脱贫年度"] = 2018
    problems = _problems(_plan(sheets))
    assert ("户", "计划脱贫年度", "2018", "非建档立卡户不应填写此项") in problems
