"""Every dashboard number equals the page it drills into and the owning app's function."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tuopin.dashboard.tests.test_views import tiles
from tuopin.lib import clock
from tuopin.plan import progress

pytestmark = pytest.mark.django_db

STATUSES = ("done", "on_track", "at_risk", "overdue")


def link_of(html: str, key: str) -> str:
    match = re.search(rf'<a class="tile[^"]*" href="([^"]+)"\s+data-key="{key}"', html)
    assert match, key
    return match.group(1).replace("&amp;", "&")


def test_it_counts_milestones_as_plan_progress_does(world, campaign, login):
    html = login(world.hq).get(reverse("dashboard:home")).content.decode()
    figures = tiles(html)
    statuses = progress.milestone_statuses(campaign, clock.now())
    for status in STATUSES:
        expected = sum(1 for s in statuses.values() if s == status)
        assert figures[f"milestones-{status}"] == str(expected), status
    assert sum(int(figures[f"milestones-{s}"]) for s in STATUSES) <= 5


def test_it_matches_each_milestone_tile_to_its_list(world, campaign, login):
    client = login(world.hq)
    html = client.get(reverse("dashboard:home")).content.decode()
    figures = tiles(html)
    for status in STATUSES:
        page = client.get(link_of(html, f"milestones-{status}")).content.decode()
        count = re.search(r'id="milestone-count">(\d+)<', page).group(1)
        assert count == figures[f"milestones-{status}"], status


def test_it_matches_a_town_milestone_tile_to_its_list(world, campaign, login):
    client = login(world.cadre)
    html = client.get(reverse("dashboard:home")).content.decode()
    figures = tiles(html)
    for status in STATUSES:
        url = link_of(html, f"milestones-{status}")
        assert f"scope={world.chengguan.code}" in url
        page = client.get(url).content.decode()
        assert (
            re.search(r'id="milestone-count">(\d+)<', page).group(1)
            == figures[f"milestones-{status}"]
        )


def test_it_colours_each_action_with_plan_progress(world, campaign, login):
    html = login(world.hq).get(reverse("dashboard:home")).content.decode()
    cells = dict(re.findall(r'href="/dashboard/actions/(\d+)/" data-status="([a-z_]+)"', html))
    expected = progress.action_statuses(campaign, clock.now())
    for action in campaign.actions.all():
        assert cells[str(action.number)] == str(expected[action.pk])
    action_page = login(world.hq).get(reverse("dashboard:action", args=[19])).content.decode()
    assert f'data-status="{expected[campaign.actions.get(number=19).pk]}"' in action_page


def test_it_ranks_towns_with_the_counts_the_org_pages_show(world, households, login):
    client = login(world.hq)
    html = client.get(reverse("dashboard:home")).content.decode()
    row = html.split(f'data-code="{world.chengguan.code}"')[1].split("</tr>")[0]
    assert 'data-key="villages">2<' in row
    assert 'data-key="poor_villages">1<' in row
    assert 'data-key="households">3<' in row
    org_page = client.get(reverse("org:unit", args=[world.chengguan.code])).content.decode()
    assert "<b>2</b><span>行政村</span>" in org_page
    assert "<b>1</b><span>贫困村</span>" in org_page


def test_it_counts_overdue_cases_as_the_backlog_does(world, login):
    from tuopin.cases import backlog

    html = login(world.hq).get(reverse("dashboard:home")).content.decode()
    assert tiles(html)["cases_overdue"] == str(backlog.figures(world.county, clock.now()).overdue)


@pytest.fixture
def periods(world, campaign):
    from tuopin.reports.models import Period, Report
    from tuopin.reports.periods import ensure_periods

    ensure_periods(campaign, clock.now())
    current = Period.objects.get(campaign=campaign, deadline__date="2018-07-20")
    last = Period.objects.get(campaign=campaign, deadline__date="2018-07-13")
    Report.objects.filter(period=current, unit=world.transport).update(
        timeliness="on_time", status="signed"
    )
    Report.objects.filter(period=last).update(timeliness="on_time", status="signed")
    Report.objects.filter(period=last, unit=world.dongfeng_unit).update(timeliness="missing")
    Report.objects.filter(period=last, unit=world.transport).update(timeliness="late")
    return current, last


def test_it_counts_this_weeks_signed_reports_as_the_period_page_does(world, periods, login):
    current, _last = periods
    client = login(world.hq)
    html = client.get(reverse("dashboard:home")).content.decode()
    assert tiles(html)["reporting_signed"] == "1"
    page = client.get(link_of(html, "reporting_signed")).content.decode()
    assert link_of(html, "reporting_signed") == reverse("reports:period", args=[current.pk])
    assert "<b>1</b><span>按时签报</span>" in page


def test_it_shows_a_past_weeks_rate_and_late_units_as_reports_computes_them(world, periods, login):
    from tuopin.reports import timeliness

    _current, last = periods
    html = login(world.hq).get(reverse("dashboard:home"), {"week": "2018-07-13"}).content.decode()
    expected = timeliness.weekly_rates(last.campaign, [last])[0].on_time_rate
    assert tiles(html)["reporting_rate"] == str(expected)
    late = html.split("本周未按时报送：")[1].split("</p>")[0]
    assert "东风镇" in late and "县交通局" in late and "城关镇" not in late
    assert expected == Decimal("33.3")


def test_it_shows_a_towns_rate_as_reports_town_rates(world, periods, login):
    from tuopin.reports import timeliness

    _current, last = periods
    html = (
        login(world.other_cadre)
        .get(reverse("dashboard:home"), {"week": "2018-07-13"})
        .content.decode()
    )
    rows = {row.key: row for row in timeliness.town_rates(last.campaign, [last])}
    assert tiles(html)["reporting_rate"] == str(rows[world.dongfeng.code].on_time_rate)
    assert tiles(html)["reporting_rate"] == "0.0"
