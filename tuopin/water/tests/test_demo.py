"""The demo's water, jobs and economy ledgers load through their own checks on a small county,
and the metrics the demo binds have values (with the July gaps)."""

from __future__ import annotations

import datetime as dt

import pytest

from tuopin.jobs.metrics import definitions as jobs_definitions
from tuopin.lib import clock
from tuopin.synth import water_demo
from tuopin.synth.registry_gen import generate_households
from tuopin.water.metrics import definitions as water_definitions
from tuopin.water.models import SupplyPoint, WaterTest

pytestmark = pytest.mark.django_db


def test_demo_loads_and_the_bound_metrics_have_values(world):
    villages = [world.cg_village, world.cg_village2, world.df_village, world.df_village2]
    with clock.frozen("2018-07-19T10:00:00+08:00"):
        generate_households(
            villages,
            seed=3,
            mean_households_per_village=30,
            registered_rate_poor_village=0.5,
            registered_rate_other_village=0.3,
        )
    logged = []
    water_demo.populate(world.county, seed=1, log=logged.append)
    assert SupplyPoint.objects.count() == 4 and WaterTest.objects.exists()
    water_demo.populate(world.county, seed=1, log=logged.append)  # a second run skips
    assert logged[-1].endswith("跳过")
    on = dt.date(2018, 7, 20)
    bulks = {m["key"]: m["bulk"] for m in (*water_definitions(), *jobs_definitions())}
    for key in (
        "water.villages_tested_share",
        "water.tap_water_rate",
        "jobs.transfer_rate",
        "economy.hollow_villages",
        "economy.collective_income",
    ):
        value = bulks[key]("county", on, [world.county.code])[world.county.code]
        assert value.value is not None, key


def test_demo_reports_agree_with_the_registry_so_the_assessment_story_stays(world):
    from tuopin.registry.models import Household
    from tuopin.water import quality

    villages = [world.cg_village, world.cg_village2, world.df_village, world.df_village2]
    with clock.frozen("2018-07-19T10:00:00+08:00"):
        generate_households(
            villages,
            seed=5,
            mean_households_per_village=30,
            registered_rate_poor_village=0.5,
            registered_rate_other_village=0.3,
        )
    Household.objects.filter(
        pk__in=Household.objects.filter(is_registered=True).values("pk")[:5]
    ).update(water_quality_ok=False)
    before = dict(Household.objects.values_list("pk", "water_quality_ok"))
    water_demo.populate(world.county, seed=2, log=lambda _line: None)
    assert dict(Household.objects.values_list("pk", "water_quality_ok")) == before
    assert quality.disagreements(Household.objects.all()) == []
