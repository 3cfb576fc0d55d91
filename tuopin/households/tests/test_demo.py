"""The demo files load through the engine's import and carry the gaps a July HQ chases."""

from __future__ import annotations

import datetime as dt

from tuopin.households import metrics
from tuopin.households.models import Assignment, Measure, Renovation, SevenItemRecord, Visit
from tuopin.lib import clock
from tuopin.registry.models import Household
from tuopin.synth import households_demo
from tuopin.synth.registry_gen import generate_households


def test_the_demo_files_load_with_gaps(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    villages = [world.cg_village, world.cg_village2, world.df_village, world.df_village2]
    with clock.frozen("2018-07-19T10:00:00+08:00"):
        generate_households(
            villages,
            seed=3,
            mean_households_per_village=60,
            registered_rate_poor_village=0.4,
            registered_rate_other_village=0.2,
        )
    lines = []
    households_demo.populate(world.county, seed=3, log=lines.append)
    assert lines and lines[0].startswith("帮扶档案：基地合作社")
    registered = Household.objects.filter(is_registered=True).count()
    assert Household.objects.filter(planned_exit_year=2018).exists()
    assert Measure.objects.count() >= registered
    assert Assignment.objects.count() > 0 and Visit.objects.count() > 0
    assert SevenItemRecord.objects.count() < 7 * Assignment.objects.count()  # items missing
    on = dt.date(2018, 7, 19)
    cohort = metrics.definitions()
    by_key = {d["key"]: d["bulk"] for d in cohort}
    total = by_key["households.cohort_2018"]("county", on, None)["610327"].value
    income = by_key["households.cohort_2018_income_projects"]("county", on, None)["610327"].value
    assert 0 < income < total  # some cohort households still have a single income project
    if Renovation.objects.exists():
        done = by_key["renovation.moved_in"]("county", on, None)["610327"].value
        assert done < by_key["renovation.tasks"]("county", on, None)["610327"].value
    again = []
    households_demo.populate(world.county, seed=3, log=again.append)
    assert "跳过" in again[0]
