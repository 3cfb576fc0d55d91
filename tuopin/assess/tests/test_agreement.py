"""The per-household explanation agrees with the bulk SQL verdict for every household."""

from __future__ import annotations

import datetime as dt

import pytest

from tuopin.assess import engine, explain
from tuopin.assess.vocabulary import HOUSEHOLD_FACTS, MEMBER_FACTS
from tuopin.lib import clock
from tuopin.org.models import OrgUnit
from tuopin.registry.models import Person
from tuopin.synth import registry_demo
from tuopin.synth.county import build_county
from tuopin.synth.registry_gen import generate_households

AS_OF = dt.date(2018, 7, 20)


def generated_county(world) -> None:
    villages = list(OrgUnit.objects.under(world.county.code).villages())
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        generate_households(villages, seed=7, mean_households_per_village=120)


def test_it_explains_every_generated_household_exactly_as_the_bulk_query_judges_it(world):
    generated_county(world)
    compared, failing = compare_every_household(world.county.code)
    assert compared > 300
    assert 0 < failing < compared  # the generator plants problems; most households pass


@pytest.mark.slow
@pytest.mark.django_db
def test_it_explains_every_household_of_the_demo_county_as_the_bulk_query_does():
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        county = build_county(seed=1).county
        registry_demo.populate(county, seed=1, log=lambda message: None)
    compared, failing = compare_every_household(county.code)
    assert compared > 80_000
    assert 0 < failing < compared


def compare_every_household(county_code: str) -> tuple[int, int]:
    """Explain each household in Python and compare with the bulk SQL verdict; (count, failing)."""
    context = engine.context_for(county_code, as_of=AS_OF)
    bulk = {v.household_no: v for v in engine.household_verdicts(context)}
    members: dict[int, list[dict]] = {}
    for row in (
        Person.objects.filter(is_active=True)
        .values("household_id", *(fact.path for fact in MEMBER_FACTS.values()))
        .order_by("household_id", "id")
    ):
        members.setdefault(row["household_id"], []).append(
            {name: engine.plain(row[fact.path]) for name, fact in MEMBER_FACTS.items()}
        )
    households = engine.households_in(county_code).values(
        "pk", "household_no", "village_id", *(fact.path for fact in HOUSEHOLD_FACTS.values())
    )
    compared = 0
    failing = 0
    for row in households:
        explained = explain.explain_values(
            context,
            household_no=row["household_no"],
            village_id=row["village_id"],
            facts={name: engine.plain(row[fact.path]) for name, fact in HOUSEHOLD_FACTS.items()},
            members=members.get(row["pk"], []),
        ).verdict
        expected = bulk[row["household_no"]]
        assert (explained.passed, explained.items, explained.gates) == (
            expected.passed,
            expected.items,
            expected.gates,
        ), row["household_no"]
        assert explained.reasons == expected.reasons, row["household_no"]
        assert explained.checks == expected.checks, row["household_no"]
        compared += 1
        failing += not expected.passed
    assert compared == len(bulk)
    return compared, failing
