from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.lib import clock, metrics
from tuopin.plan import progress
from tuopin.plan.actions import record_measurement, set_milestone_completed


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=clock.SHANGHAI)


@pytest.fixture
def clinics(campaign):
    """(十三) 8月底前完成35个标准化卫生室建设: a total count target."""
    return campaign.actions.get(number=13).milestones.get()


@pytest.fixture
def demo_sites(campaign):
    """(一) 7月底前，每镇至少建立1个示范点: a per-town target."""
    return campaign.actions.get(number=1).milestones.get(order=1)


def status_of(milestone, on):
    return progress.milestone_statuses([milestone], on=at(on))[milestone.pk]


def test_it_is_not_started_then_overdue_without_measurements(clinics):
    assert status_of(clinics, "2018-07-20T10:00") == "not_started"
    assert status_of(clinics, "2018-08-31T23:59") == "not_started"
    overdue = status_of(clinics, "2018-09-01T00:00")
    assert (str(overdue), overdue.label) == ("overdue", "已逾期")


def test_it_forecasts_on_track_from_the_recent_rate(clinics):
    for day, value in [
        ("2018-06-22", 10),
        ("2018-06-29", 15),
        ("2018-07-06", 20),
        ("2018-07-13", 25),
    ]:
        record_measurement(clinics, Decimal(value), at=at(f"{day}T12:00"))
    status = status_of(clinics, "2018-07-20T10:00")
    assert str(status) == "on_track"
    assert status.current == Decimal("25")
    # 5 per week → 10 more by 2018-07-27
    assert status.predicted == dt.date(2018, 7, 27)
    assert status.reason == "按近期进度预计07月27日完成"


def test_it_marks_at_risk_when_the_projection_misses_the_deadline(clinics):
    for day, value in [("2018-07-06", 10), ("2018-07-13", 11), ("2018-07-20", 12)]:
        record_measurement(clinics, Decimal(value), at=at(f"{day}T09:00"))
    status = status_of(clinics, "2018-07-20T10:00")
    assert str(status) == "at_risk"
    # 1 per week → 23 more weeks
    assert status.predicted == dt.date(2018, 12, 28)
    assert status.reason == "按近期进度预计12月28日完成，晚于截止时间"


def test_it_marks_at_risk_when_progress_stalls(clinics):
    record_measurement(clinics, Decimal(10), at=at("2018-07-06T09:00"))
    record_measurement(clinics, Decimal(10), at=at("2018-07-13T09:00"))
    status = status_of(clinics, "2018-07-20T10:00")
    assert (str(status), status.predicted, status.reason) == (
        "at_risk",
        None,
        "按近期进度无法达到目标",
    )


def test_a_single_measurement_projects_from_the_campaign_start(clinics):
    # issued 2018-06-11; 20 after 30 days → 35 after 52.5 days
    record_measurement(clinics, Decimal(20), at=at("2018-07-11T00:00"))
    status = status_of(clinics, "2018-07-20T10:00")
    assert (str(status), status.predicted) == ("on_track", dt.date(2018, 8, 2))


def test_it_is_done_when_the_target_is_met_and_ignores_later_measurements(clinics):
    record_measurement(clinics, Decimal(30), at=at("2018-08-10T12:00"))
    record_measurement(clinics, Decimal(35), at=at("2018-08-24T12:00"))
    assert status_of(clinics, "2018-08-20T00:00") == "on_track"
    done = status_of(clinics, "2018-09-05T00:00")
    assert (str(done), done.predicted) == ("done", dt.date(2018, 8, 24))


def test_units_measurements_add_up_for_a_total_target(clinics, seed_units):
    world = seed_units
    record_measurement(clinics, Decimal(20), unit=world.chengguan_unit, at=at("2018-08-01T00:00"))
    record_measurement(clinics, Decimal(10), unit=world.dongfeng_unit, at=at("2018-08-01T01:00"))
    record_measurement(clinics, Decimal(15), unit=world.dongfeng_unit, at=at("2018-08-08T00:00"))
    status = status_of(clinics, "2018-08-10T00:00")
    assert (str(status), status.current) == ("done", Decimal(35))


def test_a_per_town_target_needs_every_town(demo_sites, seed_units):
    world = seed_units
    record_measurement(demo_sites, Decimal(1), unit=world.chengguan_unit, at=at("2018-07-10T00:00"))
    status = status_of(demo_sites, "2018-07-20T10:00")
    assert (str(status), status.units_met, status.units_total) == ("at_risk", 1, 2)
    record_measurement(demo_sites, Decimal(0), unit=world.dongfeng_unit, at=at("2018-07-06T00:00"))
    record_measurement(
        demo_sites, Decimal("0.5"), unit=world.dongfeng_unit, at=at("2018-07-13T00:00")
    )
    status = status_of(demo_sites, "2018-07-20T10:00")
    assert (str(status), status.predicted) == ("on_track", dt.date(2018, 7, 20))
    record_measurement(demo_sites, Decimal(2), unit=world.dongfeng_unit, at=at("2018-07-25T00:00"))
    assert status_of(demo_sites, "2018-07-26T00:00") == "done"


def test_a_milestone_without_target_is_done_when_marked(campaign, world):
    training = campaign.actions.get(number=3).milestones.get(order=1)  # 6月底前 轮训
    assert status_of(training, "2018-06-20T00:00") == "not_started"
    assert status_of(training, "2018-07-01T00:00") == "overdue"
    with clock.frozen(at("2018-06-28T09:00")):
        set_milestone_completed(training, True, actor=world.hq)
    assert status_of(training, "2018-07-01T00:00") == "done"
    assert status_of(training, "2018-06-27T00:00") == "not_started"


def test_action_status_summarises_its_milestones(campaign, world):
    action = campaign.actions.get(number=16)
    with clock.frozen(at("2018-07-20T10:00")):
        status = progress.action_status(action)
    assert str(status) == "overdue"
    assert status.counts == {
        "done": 0,
        "on_track": 0,
        "at_risk": 0,
        "overdue": 1,
        "not_started": 3,
        "total": 4,
        "due": 3,
    }
    assert (
        str(progress.action_status(campaign.actions.get(number=2), at("2018-07-20T10:00")))
        == "unknown"
    )


def test_statuses_are_computed_in_a_fixed_number_of_queries(campaign, clinics):
    record_measurement(clinics, Decimal(3), at=at("2018-07-01T00:00"))
    with CaptureQueriesContext(connection) as queries:
        statuses = progress.milestone_statuses(campaign, on=dt.date(2018, 7, 20))
    assert len(statuses) == 17
    assert len(queries) == 3
    assert progress.milestone_statuses(clinics.__class__.objects.none()) == {}


def test_the_plan_registers_its_metrics(campaign, seed_units):
    with clock.frozen(at("2018-07-20T10:00")):
        overdue = metrics.evaluate(
            "plan.milestones_overdue", seed_units.county, dt.date(2018, 7, 20)
        )
        rate = metrics.evaluate(
            "plan.milestones_done_rate", seed_units.county, dt.date(2018, 7, 20)
        )
    assert overdue.value == Decimal(2)
    assert rate.value == Decimal("0.0")
    from tuopin.plan.metrics import ensure_registered

    ensure_registered()
    assert metrics.get("plan.13.1").kind == "reported"


def test_percentages_of_units_are_averaged(campaign, seed_units):
    world = seed_units
    relocation = campaign.actions.get(number=15).milestones.get()  # 全部竣工: 100 %
    record_measurement(
        relocation, Decimal(80), unit=world.chengguan_unit, at=at("2018-07-13T00:00")
    )
    record_measurement(relocation, Decimal(95), unit=world.dongfeng_unit, at=at("2018-07-13T01:00"))
    status = status_of(relocation, "2018-07-20T10:00")
    assert status.current == Decimal("87.50")
    assert str(status) == "on_track"
