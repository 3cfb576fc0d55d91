"""The metric catalogue: every metric the issue names is registered, set-based, cached by a
change stamp, agrees with the exit assessment, and adds up from villages to towns to the county."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.assess import metrics as assess_metrics
from tuopin.assess.tests.factories import household
from tuopin.lib import metrics
from tuopin.org.models import OrgUnit
from tuopin.org.testing import visible_text
from tuopin.registry.models import VillageFacts

ON = dt.date(2018, 7, 20)

NAMED_IN_THE_ISSUE = [
    "registry.household_electricity_rate",
    "registry.paved_road_village_rate",
    "registry.power_natural_village_rate",
    "registry.housing_appraisal_rate",
    "registry.safe_housing_rate",
    "registry.relocation_moved_in_rate",
    "registry.tap_water_person_rate",
    "registry.tap_water_household_rate",
    "assess.water_pass_rate",
    "registry.insurance_rate",
    "assess.households_failing",
    "assess.villages_ready",
    "assess.county_items_passing",
    "assess.wrong_exit_risk",
    "assess.missed_risk",
    "cases.overdue",
    "cases.parked",
    "cases.petition_satisfaction",
    "reports.on_time_rate",
]


@pytest.fixture
def homes(world):
    assess_metrics.clear_memo()
    for village, paved in ((world.cg_village, True), (world.cg_village2, True)):
        VillageFacts.objects.create(
            village=village,
            paved_road=paved,
            standard_clinic=True,
            natural_villages_30plus=2,
            natural_villages_30plus_with_power=1,
        )
    VillageFacts.objects.create(village=world.df_village, paved_road=False)
    VillageFacts.objects.create(village=world.df_village2, paved_road=True)
    return [
        household(world.cg_village),
        household(world.cg_village, has_household_electricity=False, water_piped=False),
        household(world.cg_village2, housing_grade="C", housing_appraised_on=dt.date(2018, 5, 1)),
        household(world.df_village, relocation="not_moved_in", housing_grade="D"),
        household(world.df_village2, relocation="central_keys"),
    ]


def test_every_metric_the_issue_names_is_registered_with_its_contract():
    for key in NAMED_IN_THE_ISSUE:
        metric = metrics.get(key)
        assert metric.kind == "computed"
        assert metric.unit in metrics.UNITS
        assert metric.bulk is not None, key
        assert metric.stamp is not None, key
        assert metric.description.endswith("。"), key
        assert metric.app in ("registry", "assess", "cases", "reports")
        assert "county" in metric.levels


def test_the_county_electricity_value_is_the_assessment_item(world, homes):
    out = io.StringIO()
    call_command("assess_county", "--as-of", "2018-07-20", "--format", "json", stdout=out)
    items = json.loads(out.getvalue())["items"]
    pairs = {
        "registry.household_electricity_rate": "electricity",
        "registry.paved_road_village_rate": "road",
        "registry.tap_water_household_rate": "tap_water",
        "registry.safe_housing_rate": "safe_housing",
        "registry.insurance_rate": "insurance",
    }
    for key, item in pairs.items():
        computed = metrics.evaluate(key, world.county, ON).value
        assert computed == Decimal(str(items[item]["value"])).quantize(Decimal("0.01")), key
    assert metrics.evaluate("registry.household_electricity_rate", world.county, ON).value == 80


def test_town_and_village_values_add_up_to_the_county(world, homes):
    for metric in metrics.computed_metrics():
        if not {"town", "village"} <= set(metric.levels) or metric.key.startswith("assess.water"):
            continue
        county = metrics.evaluate_many(metric.key, "county", ON).get(world.county.code)
        assert county is not None, metric.key
        for level in ("town", "village"):
            parts = metrics.evaluate_many(metric.key, level, ON)
            total = metrics.combine(list(parts.values()), unit=metric.unit, on=ON)
            assert total.value == county.value, (metric.key, level)


def test_values_per_area(world, homes):
    values = metrics.evaluate_many("registry.household_electricity_rate", "town", ON)
    assert values[world.chengguan.code].value == Decimal("66.67")
    assert values[world.dongfeng.code].value == Decimal(100)
    assert metrics.evaluate("registry.paved_road_village_rate", world.dongfeng, ON).value == 50
    assert metrics.evaluate("registry.villages_without_paved_road", world.county, ON).value == 1
    assert metrics.evaluate("registry.relocation_moved_in_rate", world.county, ON).value == 50
    assert metrics.evaluate("registry.housing_appraisal_rate", world.county, ON).value == 20
    before = metrics.evaluate("registry.housing_appraisal_rate", world.county, dt.date(2018, 4, 1))
    assert before.value == 0
    assert metrics.evaluate("registry.standard_clinics", world.county, ON).value == 2
    assert metrics.evaluate("registry.power_natural_village_rate", world.chengguan, ON).value == 50
    # A responsible unit answers for its org unit: a town's office for its town.
    unit_values = metrics.evaluate_many(
        "registry.household_electricity_rate", "unit", ON, [str(world.chengguan_unit.pk)]
    )
    assert unit_values[str(world.chengguan_unit.pk)].value == Decimal("66.67")


def test_missing_data_is_no_data_with_a_reason_never_zero(world, homes):
    VillageFacts.objects.filter(village=world.df_village2).delete()
    value = metrics.evaluate("registry.paved_road_village_rate", world.dongfeng, ON)
    assert value.value is None and "村情" in value.reason
    empty = OrgUnit.objects.create(code="610327102", name="新镇", level="town", parent=world.county)
    value = metrics.evaluate("registry.household_electricity_rate", empty, ON)
    assert value.value is None and "尚未导入农户档案" in value.reason
    refused = metrics.evaluate("assess.county_items_passing", world.chengguan, ON)
    assert refused.value is None and "只对县" in refused.reason
    with pytest.raises(metrics.NotEvaluable):
        metrics.evaluate_many("assess.county_items_passing", "town", ON)


def test_one_query_per_level_whatever_the_number_of_villages(world, homes):
    with CaptureQueriesContext(connection) as few:
        metrics.evaluate_many("registry.safe_housing_rate", "village", ON, [world.cg_village.code])
    metrics.clear_cache()
    with CaptureQueriesContext(connection) as all_of_them:
        metrics.evaluate_many("registry.safe_housing_rate", "village", ON)
    # The stamp's queries, the grouped query and the list of villages: not one per village.
    assert len(all_of_them) <= len(few) + 1 <= 8


def test_results_are_cached_until_the_source_data_changes(world, homes):
    key = "registry.household_electricity_rate"
    first = metrics.evaluate(key, world.county, ON)
    hits = metrics.cache_stats()["hits"]
    assert metrics.evaluate(key, world.county, ON) == first
    assert metrics.cache_stats()["hits"] == hits + 1
    household(world.df_village, has_household_electricity=False)
    metrics.clear_cache()  # forgets held stamps; the new stamp differs anyway
    assert metrics.evaluate(key, world.county, ON).value == Decimal("66.67")


def test_a_held_stamp_is_asked_again_after_its_seconds():
    calls = []

    def source() -> str:
        calls.append(1)
        return str(len(calls))

    held = metrics.held_stamp(source, seconds=0)
    assert held() == "1" and held() == "2"
    held = metrics.held_stamp(source, seconds=60)
    assert held() == held() == "3"


def test_the_catalogue_page_lists_metrics_with_the_county_value(world, homes, login):
    page = login(world.hq).get("/dashboard/metrics/")
    assert page.status_code == 200
    text = visible_text(page.content.decode())
    assert "农户通生活用电比例" in text and "80%" in text
    assert "建档立卡档案" in text and "镇、村" in text
    drill = login(world.hq).get("/dashboard/metrics/registry.household_electricity_rate/")
    assert drill.status_code == 200
    text = visible_text(drill.content.decode())
    assert "城关镇" in text and "66.67%" in text and "东风镇" in text
    villages = login(world.hq).get(
        f"/dashboard/metrics/registry.household_electricity_rate/?scope={world.chengguan.code}"
    )
    assert "东关村" in visible_text(villages.content.decode())
    assert login(world.hq).get("/dashboard/metrics/no.such/").status_code == 404


def test_a_town_sees_its_own_town_only(world, homes, login):
    client = login(world.cadre)
    own = client.get(f"/dashboard/metrics/registry.households/?scope={world.chengguan.code}")
    assert own.status_code == 200
    other = client.get(f"/dashboard/metrics/registry.households/?scope={world.dongfeng.code}")
    assert other.status_code == 404
    landing = visible_text(client.get("/dashboard/metrics/").content.decode())
    assert "指标目录：城关镇" in landing


def test_metrics_reading_one_table_share_its_stamp(world, django_assert_max_num_queries):
    """However many metrics read a table, a page asks it once while its stamp is held."""
    first = metrics.table_stamp("registry.Household", ("org.OrgUnit", "pk"))
    second = metrics.table_stamp("registry.Household")
    metrics.clear_cache()
    with django_assert_max_num_queries(2):
        first()
        second()
        first()
    OrgUnit.objects.create(code="610327199", name="新镇", level="town", parent=world.county)
    assert first() == first()
    before = first()
    metrics.clear_cache()
    assert first() != before and second() == second()
