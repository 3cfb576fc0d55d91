from __future__ import annotations

import datetime as dt

from tuopin.lib import clock
from tuopin.lib.citizen_id import parse
from tuopin.registry.models import Household, Person, VillageFacts
from tuopin.synth import registry_demo

NOW = "2018-07-20T10:00:00+08:00"


def _snapshot():
    return (
        list(
            Household.objects.order_by("household_no").values_list(
                "household_no", "head_id_number", "wage_income", "exit_status", "housing_grade"
            )
        ),
        list(
            Person.objects.order_by("id_number").values_list(
                "id_number", "name", "schooling_status"
            )
        ),
    )


def test_it_populates_deterministically_and_idempotently(world):
    logs = []
    with clock.frozen(NOW):
        registry_demo.populate(world.county, seed=3, log=logs.append)
        first = _snapshot()
        registry_demo.populate(world.county, seed=3, log=logs.append)
    assert logs[-1] == "农户档案：已存在，跳过"
    assert _snapshot() == first
    assert VillageFacts.objects.count() == 4
    Person.objects.all().delete()
    Household.objects.all().delete()
    with clock.frozen(NOW):
        registry_demo.populate(world.county, seed=3, log=logs.append)
    assert _snapshot() == first


def test_it_generates_valid_consistent_records(world):
    with clock.frozen(NOW):
        registry_demo.populate(world.county, seed=1, log=lambda _: None)
    today = dt.date(2018, 7, 20)
    for person in Person.objects.all()[:500]:
        parsed = parse(person.id_number, today=today)
        assert parsed.region == "610327"
        assert parsed.birth_date == person.birth_date
        assert ("1" if parsed.sex == "男" else "2") == person.sex
    for household in Household.objects.all():
        members = list(household.members.all())
        assert household.member_count == len(members)
        heads = [p for p in members if p.relationship == "01"]
        assert len(heads) == 1
        assert heads[0].id_number == household.head_id_number
        if not household.is_registered:
            assert household.exit_status == ""
    registered = Household.objects.filter(is_registered=True)
    assert registered.count() > 0
    assert registered.filter(exit_status__in=["exited", "exited_no_policy"]).count() > 0


def test_it_registers_registry_metrics(registry):
    from tuopin.lib import metrics

    value = metrics.evaluate("registry.households", registry.chengguan, dt.date(2018, 7, 20))
    assert value.value == Household.objects.filter(village__parent=registry.chengguan).count()
    value = metrics.evaluate("registry.persons", registry.county, dt.date(2018, 7, 20))
    assert value.value == Person.objects.count()
