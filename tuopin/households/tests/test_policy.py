"""回头看 entitlement and delivery rules, each against hand-made households."""

from __future__ import annotations

import datetime as dt

import pytest

from tuopin.households import policy
from tuopin.households.codes import Policy
from tuopin.households.models import Measure, Relocation, Renovation
from tuopin.households.tests.conftest import add_member, make_household
from tuopin.registry.models import Household

ON = dt.date(2018, 7, 20)


def entitled(household) -> set[str]:
    one = Household.objects.filter(pk=household.pk)
    return {value for value in Policy.values if one.filter(policy.entitled(value)).exists()}


def gaps(household) -> set[str]:
    one = Household.objects.filter(pk=household.pk)
    return {value for value in Policy.values if one.filter(policy.gap(value, ON)).exists()}


@pytest.fixture
def make(world):
    counter = iter(range(100, 999))
    people = iter(range(1, 10000))  # the members' ID serials (four digits on every database)

    def build(members=({},), **fields):
        household = make_household(
            world.cg_village, f"{world.cg_village.code}{next(counter)}", **fields
        )
        for extra in members:
            add_member(household, next(people), **extra)
        return household

    return build


@pytest.mark.parametrize(
    ("fields", "members", "expected"),
    [
        # an ordinary household with an able worker: insurance and industry only
        ({}, [{}], {"insurance", "industry"}),
        # schooling children → 教育资助; 送教上门 counts, 失学辍学 and 免学缓学 do not
        ({}, [{}, {"schooling_status": "03"}], {"insurance", "industry", "education"}),
        ({}, [{}, {"schooling_status": "10"}], {"insurance", "industry", "education"}),
        (
            {},
            [{}, {"schooling_status": "08"}, {"schooling_status": "09"}],
            {"insurance", "industry"},
        ),
        # 低保 and 特困, both the old and the later codes
        ({"poverty_attribute": "02"}, [{}], {"insurance", "industry", "dibao"}),
        ({"poverty_attribute": "03"}, [{}], {"insurance", "industry", "dibao"}),
        ({"poverty_attribute": "04"}, [{}], {"insurance", "industry", "dibao"}),
        ({"poverty_attribute": "05"}, [{}], {"insurance", "industry", "dibao"}),
        # illness or disability → 医疗救助
        ({}, [{"health": "2"}], {"insurance", "industry", "medical"}),
        ({}, [{"health": "3"}], {"insurance", "industry", "medical"}),
        ({}, [{"health": "4"}], {"insurance", "industry", "medical"}),
        # C/D houses → 危房改造; A/B not
        ({"housing_grade": "C"}, [{}], {"insurance", "industry", "housing"}),
        ({"housing_grade": "D"}, [{}], {"insurance", "industry", "housing"}),
        ({"housing_grade": "A"}, [{}], {"insurance", "industry"}),
        # no able worker → no industry support
        ({}, [{"labour_skill": "3"}, {"labour_skill": "4"}], {"insurance"}),
        # 脱贫不脱政策: an exited household still enjoying policies keeps them
        ({"exit_status": "exited"}, [{}], {"insurance", "industry"}),
        ({"exit_status": "returned"}, [{}], {"insurance", "industry"}),
        # 已脱贫不再享受政策: only the insurance line
        (
            {"exit_status": "exited_no_policy", "poverty_attribute": "02", "housing_grade": "D"},
            [{"health": "3", "schooling_status": "02"}],
            {"insurance"},
        ),
    ],
)
def test_entitlement_from_registry_data(make, fields, members, expected):
    assert entitled(make(members=members, **fields)) == expected


def test_a_household_without_active_members_is_entitled_to_nothing(make):
    household = make(members=[])
    assert entitled(household) == set()


def test_delivery_closes_each_gap(make, sites):
    household = make(
        members=[
            {"schooling_status": "02", "health": "2"},
            {"in_serious_illness_insurance": False},
        ],
        poverty_attribute="02",
        housing_grade="D",
    )
    assert gaps(household) == {"education", "dibao", "medical", "insurance", "industry", "housing"}
    for kind in ("education", "dibao", "medical", "industry"):
        Measure.objects.create(household=household, kind=kind, done_on=dt.date(2018, 3, 1))
    # a measure after the round's day does not count yet
    assert "industry" in {
        value
        for value in Policy.values
        if Household.objects.filter(pk=household.pk)
        .filter(policy.gap(value, dt.date(2018, 2, 1)))
        .exists()
    }
    household.members.filter(in_serious_illness_insurance=False).update(
        in_serious_illness_insurance=True
    )
    assert gaps(household) == {"housing"}
    Renovation.objects.create(household=household, year=2018, kind="dangerous")
    assert gaps(household) == set()


def test_a_relocation_file_delivers_the_safe_house(make, sites):
    household = make(housing_grade="D")
    assert "housing" in gaps(household)
    Relocation.objects.create(
        household=household, placement="central", site=sites["relocation"], batch_year=2018
    )
    assert "housing" not in gaps(household)
