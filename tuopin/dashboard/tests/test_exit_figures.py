"""The exit-assessment tiles (loaded after the page) equal assess's metrics and verdicts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tuopin.dashboard.tests.test_views import tiles
from tuopin.lib import clock, metrics

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_assess_memo():
    from tuopin.assess.metrics import clear_memo

    clear_memo()
    yield
    clear_memo()


def test_it_loads_the_exit_tiles_after_the_page(world, households, login):
    html = login(world.hq).get(reverse("dashboard:home")).content.decode()
    url = reverse("dashboard:exit", args=[world.county.code])
    assert f'hx-get="{url}" hx-trigger="load"' in html
    assert "正在计算" in html


def test_it_shows_assess_metrics_for_the_county(world, households, login):
    response = login(world.hq).get(reverse("dashboard:exit", args=[world.county.code]))
    assert response.status_code == 200
    html = response.content.decode()
    figures = tiles(html)
    today = clock.today()
    for key, metric in [
        ("households_failing", "assess.households_failing"),
        ("villages_ready", "assess.villages_ready"),
        ("county_items", "assess.county_items_passing"),
    ]:
        value = metrics.evaluate(metric, world.county, today)
        expected = "" if value.value is None else str(int(value.value))
        assert figures[key] == expected, key
    assert 'hx-swap-oob="true"' in html


def test_it_breaks_failing_households_down_by_town_adding_up_to_the_county(
    world, households, login
):
    html = login(world.hq).get(reverse("dashboard:exit", args=[world.county.code])).content.decode()
    failing = [int(n) for n in re.findall(r'data-key="failing">(\d+)<', html)]
    county = tiles(html)["households_failing"]
    assert len(failing) == 2
    assert str(sum(failing)) == county
    town = metrics.evaluate("assess.households_failing", world.chengguan, clock.today())
    row = html.split(f'data-code="{world.chengguan.code}"')[1].split("</tr>")[0]
    assert f'data-key="failing">{int(town.value)}<' in row


def test_it_shows_a_villages_own_items(world, households, login):
    response = login(world.village_cadre).get(
        reverse("dashboard:exit", args=[world.cg_village.code])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "本村退出指标" in html
    assert html.count("data-item=") >= 1


def test_it_hides_another_towns_exit_figures(world, households, login):
    assert (
        login(world.other_cadre)
        .get(reverse("dashboard:exit", args=[world.chengguan.code]))
        .status_code
        == 404
    )
    assert (
        login(world.cadre).get(reverse("dashboard:exit", args=[world.chengguan.code])).status_code
        == 200
    )
    assert (
        login(world.viewer).get(reverse("dashboard:exit", args=[world.chengguan.code])).status_code
        == 200
    )
    assert (
        login(world.reporter)
        .get(reverse("dashboard:exit", args=[world.chengguan.code]))
        .status_code
        == 404
    )
    assert (
        login(None).get(reverse("dashboard:exit", args=[world.chengguan.code])).status_code == 302
    )
