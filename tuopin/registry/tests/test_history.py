from __future__ import annotations

from tuopin.lib import clock
from tuopin.org.models import AuditEvent
from tuopin.registry.actions import apply_import
from tuopin.registry.importer import plan_import
from tuopin.registry.models import Household, Person
from tuopin.registry.reader import read_workbook
from tuopin.registry.tests.helpers import CHILD_ID, build, small_workbook

NOW = "2018-07-20T10:00:00+08:00"
LATER = "2018-07-21T09:30:00+08:00"


def _import(world, sheets, actor, at):
    with clock.frozen(at):
        plan = plan_import(read_workbook(build(sheets), "t.xlsx"), user=actor)
        assert plan.ok, [str(p) for p in plan.problems]
        return apply_import(plan, actor=actor, filename="t.xlsx", source="web")


def test_it_records_who_when_and_old_to_new_for_an_import(world):
    _import(world, small_workbook(world), world.cadre, NOW)
    household = Household.objects.get(household_no=f"{world.cg_village.code}0001")
    created = AuditEvent.objects.get(model="registry.household", object_id=str(household.pk))
    assert (created.action, created.actor, created.scope_code) == (
        "导入新建",
        world.cadre,
        world.cg_village.code,
    )

    sheets = small_workbook(world)
    sheets["户"][0]["住房等级"] = "C"
    sheets["人"][2]["健康状况"] = "残疾"
    batch = _import(world, sheets, world.hq, LATER)
    changed = AuditEvent.objects.filter(
        model="registry.household", object_id=str(household.pk)
    ).order_by("at")[1]
    assert changed.changes == {"housing_grade": ["B", "C"]}
    assert (changed.action, changed.actor, changed.at.isoformat()) == (
        "导入修改",
        world.hq,
        "2018-07-21T01:30:00+00:00",
    )
    assert f"批次 {batch.pk}" in changed.note
    child = Person.objects.get(id_number=CHILD_ID)
    person_event = AuditEvent.objects.get(model="registry.person", object_id=str(child.pk))
    assert person_event.changes == {"health": ["1", "4"]}


def test_it_shows_the_history_on_the_household_page(world, login):
    _import(world, small_workbook(world), world.cadre, NOW)
    sheets = small_workbook(world)
    sheets["人"][2]["健康状况"] = "残疾"
    _import(world, sheets, world.cadre, LATER)
    response = login(world.cadre).get(f"/registry/household/{world.cg_village.code}0001/")
    history = response.context["history"]
    assert [(row["action"], row["what"]) for row in history] == [
        ("导入修改", "张小军"),
        ("导入新建", "户"),
    ]
    assert history[0]["changes"] == [("健康状况", "健康", "残疾")]


def test_it_never_deletes_rows_on_reimport(world):
    _import(world, small_workbook(world), world.cadre, NOW)
    sheets = small_workbook(world)
    sheets["人"] = sheets["人"][:2] + sheets["人"][3:]
    with clock.frozen(LATER):
        plan = plan_import(read_workbook(build(sheets), "t.xlsx"), replace_villages=True)
        apply_import(plan, filename="t.xlsx")
    assert Person.objects.count() == 4
    child = Person.objects.get(id_number=CHILD_ID)
    assert (child.is_active, child.closed_reason) == (
        False,
        "整村替换导入：不在导入文件的家庭成员中",
    )
    event = AuditEvent.objects.get(model="registry.person", object_id=str(child.pk))
    assert event.action == "导入注销"
