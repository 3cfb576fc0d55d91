from __future__ import annotations

from tuopin.lib import clock
from tuopin.registry.actions import apply_import
from tuopin.registry.importer import plan_import
from tuopin.registry.models import Household, Person
from tuopin.registry.reader import read_workbook

NOW = "2018-07-20T10:00:00+08:00"


def test_it_round_trips_export_to_import_with_zero_changes(exported):
    with clock.frozen(NOW):
        plan = plan_import(read_workbook(exported, "x.xlsx"))
    assert [str(p) for p in plan.problems] == []
    assert plan.counts["households_added"] == 0
    assert plan.counts["households_changed"] == 0
    assert plan.counts["persons_changed"] == 0
    assert plan.counts["persons_added"] == 0
    assert plan.counts["villages_changed"] == 0
    assert plan.counts["households_unchanged"] == Household.objects.count()
    assert plan.counts["persons_unchanged"] == Person.objects.count()
    assert not plan.has_changes


def test_it_imports_into_an_empty_registry_exactly(exported):
    before_h = sorted(
        Household.objects.values_list(
            "household_no", "head_name", "wage_income", "member_count", "other_causes"
        )
    )
    before_p = sorted(
        Person.objects.values_list(
            "id_number", "name", "household__household_no", "birth_date", "schooling_status"
        )
    )
    Person.objects.all().delete()
    Household.objects.all().delete()
    with clock.frozen(NOW):
        plan = plan_import(read_workbook(exported, "x.xlsx"))
        assert [str(p) for p in plan.problems] == []
        apply_import(plan, filename="x.xlsx")
    after_h = sorted(
        Household.objects.values_list(
            "household_no", "head_name", "wage_income", "member_count", "other_causes"
        )
    )
    after_p = sorted(
        Person.objects.values_list(
            "id_number", "name", "household__household_no", "birth_date", "schooling_status"
        )
    )
    assert after_h == before_h
    assert after_p == before_p
    with clock.frozen(NOW):
        again = plan_import(read_workbook(exported, "x.xlsx"))
    assert not again.has_changes
