from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.lib import clock, metrics
from tuopin.org.models import ResponsibleUnit, UnitKind
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


def measure_fridays(milestone, values, *, hour="09:00", unit=None):
    """One measurement per Friday morning (before the 12:00 reporting deadline)."""
    for day, value in values:
        record_measurement(milestone, Decimal(value), unit=unit, at=at(f"{day}T{hour}"))


def test_it_forecasts_on_track_from_the_recent_periods(clinics):
    measure_fridays(
        clinics, [("2018-06-22", 10), ("2018-06-29", 15), ("2018-07-06", 20), ("2018-07-13", 25)]
    )
    status = status_of(clinics, "2018-07-20T10:00")
    assert str(status) == "on_track"
    assert status.current == Decimal("25")
    # 5 a week observed; 10 to go → 14 days after 07-20 10:00. Needed: 10 in 42.6 days.
    assert status.predicted == dt.date(2018, 8, 3)
    assert status.reason == "近4期平均每周推进5个，按期完成需每周1.6个，预计08月03日完成"


def test_it_is_at_risk_when_the_needed_rate_exceeds_the_observed_rate(clinics):
    measure_fridays(
        clinics, [("2018-06-29", 9), ("2018-07-06", 10), ("2018-07-13", 11), ("2018-07-20", 12)]
    )
    status = status_of(clinics, "2018-07-20T10:00")
    assert str(status) == "at_risk"
    # 1 a week over the three closed periods; 23 to go from today's 12 → 161 days.
    assert (status.current, status.predicted) == (Decimal(12), dt.date(2018, 12, 28))
    assert (
        status.reason == "近3期平均每周推进1个，按期完成需每周3.8个，预计12月28日完成，晚于截止时间"
    )


def test_it_cannot_forecast_when_progress_stalls(clinics):
    measure_fridays(clinics, [("2018-06-29", 10), ("2018-07-06", 10), ("2018-07-13", 10)])
    status = status_of(clinics, "2018-07-20T10:00")
    assert (str(status), status.predicted, status.reason) == (
        "at_risk",
        None,
        "近3期没有进展，按期完成需每周4.1个，无法预计完成时间",
    )


def test_it_cannot_forecast_a_date_years_away(clinics):
    measure_fridays(clinics, [("2018-06-29", "10"), ("2018-07-06", "10"), ("2018-07-13", "10.1")])
    status = status_of(clinics, "2018-07-20T10:00")
    # 0.05 a week: 24.9 to go would take 66 years.
    assert (str(status), status.predicted, status.reason) == (
        "at_risk",
        None,
        "近3期平均每周推进0.05个，按期完成需每周4.1个，无法预计完成时间",
    )


def test_it_cannot_forecast_from_fewer_than_three_periods(clinics):
    measure_fridays(clinics, [("2018-07-06", 10), ("2018-07-13", 20)])
    status = status_of(clinics, "2018-07-20T10:00")
    assert (str(status), status.predicted, status.reason) == (
        "on_track",
        None,
        "已有2期报告数据，不足3期，无法预计完成时间",
    )
    # A third period closes at the Friday deadline: 10 a week, 5 to go → 3.5 days.
    measure_fridays(clinics, [("2018-07-20", 30)])
    status = status_of(clinics, "2018-07-20T12:00")
    assert (str(status), status.predicted) == ("on_track", dt.date(2018, 7, 24))


def test_periods_end_at_the_campaigns_own_reporting_deadline(campaign, clinics):
    campaign.reporting_weekday, campaign.reporting_time = 1, dt.time(9, 0)  # Monday 09:00
    campaign.save(update_fields=["reporting_weekday", "reporting_time"])
    for day, value in [("2018-06-25", 10), ("2018-07-02", 15), ("2018-07-09", 20)]:
        record_measurement(clinics, Decimal(value), at=at(f"{day}T08:59"))
    # Signed a minute after Monday's deadline: it waits for next Monday's period.
    record_measurement(clinics, Decimal(26), at=at("2018-07-16T09:01"))
    status = status_of(clinics, "2018-07-20T10:00")
    # Periods 06-25, 07-02, 07-09, 07-16: 10, 15, 20, 20 → 3.5 a week; 9 to go → 18 days.
    assert (str(status), status.current, status.predicted) == (
        "on_track",
        Decimal(26),
        dt.date(2018, 8, 7),
    )
    assert status.reason == "近4期平均每周推进3.5个，按期完成需每周1.5个，预计08月07日完成"


def test_the_rate_is_fitted_on_period_values_not_on_signatures(clinics, seed_units):
    """The demo's (13) on 07-20 10:00: 14 of 35 built, two a week, eleven units signing
    between Thursday 14:00 and Friday 06:40. A line through each signature's running total saw
    a week's progress happen overnight and said 正常推进, 预计07月23日完成."""
    action = clinics.action
    for name in [
        "温水镇",
        "天成镇",
        "曹家湾镇",
        "固关镇",
        "东南镇",
        "河北镇",
        "新集川镇",
        "八渡镇",
    ]:
        action.units.add(
            ResponsibleUnit.objects.create(
                name=name, kind=UnitKind.TOWN, org_unit=seed_units.county
            )
        )
    units = list(action.units.order_by("id"))
    assert len(units) == 11  # 县卫计局 and every town, as in the demo
    values = [2, 2, 2] + [0] * 8
    for week in range(5):
        friday = dt.date(2018, 6, 22) + dt.timedelta(days=7 * week)
        if week:  # two more clinics a week, reported by units that sign late in the cycle
            values[6 + (2 * week) % 5] += 1
            values[6 + (2 * week + 1) % 5] += 1
        for index, unit in enumerate(units):
            signed = clock.at(friday - dt.timedelta(days=1), 14, 0) + dt.timedelta(
                minutes=100 * index
            )
            record_measurement(clinics, Decimal(values[index]), unit=unit, at=signed)
    status = status_of(clinics, "2018-07-20T10:00")
    assert (str(status), status.label, status.current) == ("at_risk", "有风险", Decimal(14))
    # 2 a week; 21 to go → 73.5 days. Needed: 21 in 42.6 days, 3.5 a week.
    assert status.predicted == dt.date(2018, 10, 1)
    assert (
        status.reason == "近4期平均每周推进2个，按期完成需每周3.5个，预计10月01日完成，晚于截止时间"
    )
    assert status_of(clinics, "2018-06-30T10:00").reason == (
        "已有2期报告数据，不足3期，无法预计完成时间"
    )


def test_a_share_is_fitted_per_period_towards_100_percent(campaign, seed_units):
    """(15) 全部竣工: two towns' shares averaged at each period end, not after each signature."""
    world = seed_units
    relocation = campaign.actions.get(number=15).milestones.get()
    for day, chengguan, dongfeng in [
        ("2018-06-29", 30, 40),
        ("2018-07-06", 35, 45),
        ("2018-07-13", 40, 50),
    ]:
        record_measurement(
            relocation, Decimal(chengguan), unit=world.chengguan_unit, at=at(f"{day}T08:00")
        )
        record_measurement(
            relocation, Decimal(dongfeng), unit=world.dongfeng_unit, at=at(f"{day}T11:00")
        )
    # Thursday evening one town jumps: the share is 50 %, the trend still 5 points a week.
    record_measurement(relocation, Decimal(60), unit=world.dongfeng_unit, at=at("2018-07-19T20:00"))
    status = status_of(relocation, "2018-07-20T10:00")
    assert (str(status), status.current) == ("on_track", Decimal("50.00"))
    # 50 points to go at 5 a week → 70 days; the deadline is 09-30, 72.6 days away.
    assert status.predicted == dt.date(2018, 9, 28)
    assert status.reason == "近3期平均每周推进5%，按期完成需每周4.8%，预计09月28日完成"


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
    assert status.reason == "尚未报告进展，按期完成需每周0.6个，无法预计完成时间"
    measure_fridays(
        demo_sites,
        [("2018-06-29", 0), ("2018-07-06", "0.25"), ("2018-07-13", "0.5")],
        unit=world.dongfeng_unit,
    )
    status = status_of(demo_sites, "2018-07-20T10:00")
    # 东风镇 at a quarter a week from 0.5 → 08-03, after the 07-31 deadline.
    assert (str(status), status.predicted) == ("at_risk", dt.date(2018, 8, 3))
    measure_fridays(demo_sites, [("2018-07-20", "0.8")], unit=world.dongfeng_unit)
    status = status_of(demo_sites, "2018-07-20T10:00")
    assert (str(status), status.predicted) == ("on_track", dt.date(2018, 7, 26))
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
