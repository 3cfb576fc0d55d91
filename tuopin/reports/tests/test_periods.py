from __future__ import annotations

import datetime as dt

from tuopin.lib import clock
from tuopin.reports.models import Period, Report
from tuopin.reports.periods import current_period, ensure_periods
from tuopin.reports.tests.conftest import FRIDAY, THURSDAY_NOON


def test_it_generates_weekly_periods_from_the_reporting_rule(setup):
    periods = list(Period.objects.filter(campaign=setup.campaign).order_by("number"))
    assert [p.deadline for p in periods] == [
        clock.at(dt.date(2018, 6, 15), 12),
        clock.at(dt.date(2018, 6, 22), 12),
        clock.at(dt.date(2018, 6, 29), 12),
        clock.at(dt.date(2018, 7, 6), 12),
        clock.at(dt.date(2018, 7, 13), 12),
        clock.at(FRIDAY, 12),
    ]
    assert periods[-1].opens_at == clock.at(dt.date(2018, 7, 13), 12)
    assert periods[-1].closes_at == clock.at(dt.date(2018, 7, 23), 12)
    assert str(periods[-1]) == "第6周（07月20日截止）"


def test_it_creates_one_report_per_responsible_unit_and_is_idempotent(setup, world):
    assert Report.objects.filter(period=setup.period).count() == 4
    assert ensure_periods(setup.campaign, THURSDAY_NOON) == 0
    assert Report.objects.filter(period=setup.period).count() == 4
    assert set(Report.objects.filter(period=setup.period).values_list("unit__name", flat=True)) == {
        "县交通局",
        "城关镇",
        "东风镇",
        "县卫计局",
    }


def test_it_follows_a_campaign_that_reports_on_thursday_at_five(setup):
    setup.campaign.reporting_weekday = 4
    setup.campaign.reporting_time = dt.time(17, 0)
    setup.campaign.save()
    Period.objects.filter(campaign=setup.campaign).delete()
    ensure_periods(setup.campaign, THURSDAY_NOON)
    latest = Period.objects.filter(campaign=setup.campaign).order_by("-number").first()
    assert latest.deadline == clock.at(dt.date(2018, 7, 19), 17)
    assert current_period(setup.campaign, THURSDAY_NOON) == latest


def test_it_picks_the_period_being_filled_as_current(setup):
    assert current_period(setup.campaign, THURSDAY_NOON) == setup.period
    assert current_period(setup.campaign, clock.at(FRIDAY, 11, 59, 59)) == setup.period
