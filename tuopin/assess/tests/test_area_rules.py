"""Village and county items, hand-computed, including "unknown" when data are lacking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tuopin.assess import engine
from tuopin.assess.models import VillageBaseline
from tuopin.assess.tests.factories import adult, household
from tuopin.registry.models import VillageFacts

AS_OF = dt.date(2018, 7, 20)


def facts(village, **values):
    defaults = {"paved_road": True, "standard_clinic": True, "collective_economy": True}
    defaults.update(values)
    return VillageFacts.objects.create(village=village, **defaults)


def small_village(world):
    village = world.cg_village
    facts(village)
    household(village, members=[adult(), adult()], wage_income=Decimal("10000"), business_income=0)
    household(village, exit_status="not_exited", exit_year=None, water_quality_ok=False)
    household(village, is_registered=False)
    return village


def evaluate(world, **overrides):
    context = engine.context_for(world.county.code, as_of=AS_OF, overrides=overrides)
    return engine.evaluate_area(context)


def test_it_judges_the_seven_village_items(world):
    village = small_village(world)
    VillageBaseline.objects.create(village=village, year=2017, income_share=Decimal("40"))
    evaluation = evaluate(world, county_rural_income="10000")
    verdict = next(v for v in evaluation.villages if v.code == village.code)
    items = {key: (item.value, item.threshold, item.passed) for key, item in verdict.items.items()}
    assert items == {
        "incidence": (Decimal(25), Decimal(3), False),  # 1 poor person of 4
        "income_share": (Decimal(50), Decimal(40), True),  # 10000 ÷ 2 ÷ 10000
        "collective_economy": (True, True, True),
        "road": (True, True, True),
        "water": (Decimal(200) / 3, Decimal(100), False),
        "electricity": (Decimal(100), Decimal(100), True),
        "clinic": (True, True, True),
    }
    assert verdict.passed is False


def test_it_says_unknown_without_facts_baseline_or_county_income(world):
    small_village(world)
    evaluation = evaluate(world)
    bare = next(v for v in evaluation.villages if v.code == world.cg_village2.code)
    assert bare.items["road"].passed is None
    assert bare.items["clinic"].value is None
    assert bare.items["incidence"].passed is None  # no households: 0 ÷ 0
    with_facts = next(v for v in evaluation.villages if v.code == world.cg_village.code)
    assert with_facts.items["income_share"].value is None
    assert with_facts.items["income_share"].passed is None
    assert with_facts.items["road"].passed is True


def test_it_decides_a_village_only_when_no_item_is_unknown(world):
    village = world.cg_village
    facts(village)
    household(village, is_registered=False)
    VillageBaseline.objects.create(village=village, year=2017, income_share=Decimal("40"))
    verdict = next(v for v in evaluate(world).villages if v.code == village.code)
    assert verdict.items["income_share"].passed is None  # no county income set
    assert verdict.passed is None
    assert [k for k, i in verdict.items.items() if i.passed is not True] == ["income_share"]


def test_it_judges_the_seven_county_items(world):
    small_village(world)
    household(world.df_village, is_registered=False, water_piped=False)
    facts(world.cg_village2, paved_road=False)
    facts(world.df_village)
    facts(world.df_village2)
    evaluation = evaluate(
        world,
        county_rural_disposable_income="7000",
        province_rural_disposable_income="10000",
    )
    county = evaluation.counties[0]
    assert county.code == world.county.code
    items = {key: (item.value, item.threshold, item.passed) for key, item in county.items.items()}
    assert items == {
        "incidence": (Decimal(20), Decimal(3), False),  # 1 of 5 persons
        "income_ratio": (Decimal(70), Decimal(70), True),
        "road": (Decimal(75), Decimal(97), False),  # 3 of 4 villages paved
        "tap_water": (Decimal(75), Decimal(90), False),  # 3 of 4 households piped
        "electricity": (Decimal(100), Decimal(100), True),
        "safe_housing": (Decimal(100), Decimal(97), True),
        "insurance": (Decimal(100), Decimal(100), True),
    }
    assert county.passed is False


def test_it_says_unknown_for_county_items_lacking_data(world):
    small_village(world)  # only one village has facts
    county = evaluate(world).counties[0]
    assert county.items["income_ratio"].value is None
    assert county.items["income_ratio"].passed is None
    assert county.items["road"].passed is None


def test_it_estimates_the_three_rates(world):
    village = world.cg_village
    household(village, members=[adult(), adult()], housing_grade="D")  # wrongly exited, 2 people
    household(village, members=[adult(), adult()])  # exited, passes
    household(village, is_registered=False, members=[adult()] * 3, wage_income=Decimal("100"))
    household(village, is_registered=False, members=[adult()])
    household(village, exit_status="not_exited", exit_year=None)
    county = evaluate(world).counties[0]
    rates = {key: (item.value, item.passed) for key, item in county.rates.items()}
    assert rates == {
        "wrong_exit_rate": (Decimal(50), False),  # 2 of 4 exited people
        "missed_rate": (Decimal(75), False),  # 3 of 4 unregistered people
        "overall_incidence": (Decimal(600) / 9, False),  # (1 + 3 + 2) of 9 people
    }
