"""Every role starts on a page it can use and is offered only pages it can open (issue 13 item 7)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tuopin.lib import clock
from tuopin.org.access import has_capability
from tuopin.org.context import NAVIGATION

THURSDAY = "2018-07-19T15:00:00+08:00"
ROLES = [
    "hq",
    "leader",
    "viewer",
    "inspector",
    "reporter",
    "head",
    "town_reporter",
    "town_head",
    "cadre",
    "village_cadre",
    "superuser",
]


@pytest.mark.parametrize("who", ["reporter", "head", "town_reporter", "town_head"])
def test_it_lands_a_units_reporter_and_head_on_this_weeks_report(setup, world, login, who):
    user = getattr(world, who)
    with clock.frozen(THURSDAY):
        client = login(user)
        response = client.get("/", follow=True)
    report = setup.report(user.unit)
    assert response.redirect_chain[-1][0] == reverse("reports:report", args=[report.pk])
    assert response.status_code == 200
    assert response.context["report"] == report


def test_it_lands_a_unit_without_any_report_on_the_reports_page(world, login):
    response = login(world.reporter).get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports:home")
    assert response.status_code == 200


@pytest.mark.parametrize("who", ROLES)
def test_it_lands_every_role_on_a_page_it_can_use(setup, world, login, who):
    with clock.frozen(THURSDAY):
        response = login(getattr(world, who)).get("/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain


@pytest.mark.parametrize("who", ROLES)
def test_it_offers_only_menu_entries_the_role_can_open(setup, world, login, who):
    with clock.frozen(THURSDAY):
        client = login(getattr(world, who))
        menu = client.get(reverse("reports:home")).context["nav_items"]
        shown = {item["url"] for item in menu}
        for url in shown:
            assert client.get(url, follow=True).status_code == 200, url
    user = getattr(world, who)
    has_place = user.scope_id is not None or user.is_superuser
    expected = {
        reverse(name)
        for name, _, needs_scope, capability in NAVIGATION
        if (has_place or not needs_scope) and (not capability or has_capability(user, capability))
    }
    if who in ("reporter", "head", "other_reporter"):
        # A department's accounts have no place: the boards, the registry, the assessment, the
        # org tree, the command pages and the village teams would only refuse them.
        assert not has_place
        assert "/dashboard/" not in expected and "/registry/" not in expected
    assert shown == expected


def test_it_refused_a_department_the_board_it_was_offered(setup, world, login):
    """What a department's reporter used to be sent to: the board answers 403 for it."""
    with clock.frozen(THURSDAY):
        assert login(world.reporter).get(reverse("dashboard:home")).status_code == 403


def test_it_shows_a_town_cadre_its_towns_report_and_week(setup, world, login):
    own = setup.report(world.chengguan_unit)
    with clock.frozen(THURSDAY):
        client = login(world.cadre)
        home = client.get(reverse("reports:home"))
        period = client.get(reverse("reports:period", args=[setup.period.pk]))
        other = login(world.other_cadre).get(reverse("reports:report", args=[own.pk]))
    assert [r.unit for r in home.context["mine"] if r.period == setup.period] == [
        world.chengguan_unit
    ]
    assert "本辖区周报" in home.content.decode()
    assert period.status_code == 200
    assert [row.unit for row in period.context["rows"]] == [world.chengguan_unit]
    assert other.status_code == 404


def test_it_links_a_town_cadres_reporting_tile_to_a_page_that_opens(setup, world, login):
    with clock.frozen(THURSDAY):
        client = login(world.cadre)
        board = client.get(reverse("dashboard:home"))
        urls = [
            figure.url
            for figure in board.context["board"].headline
            if figure.key.startswith("reporting")
        ]
        assert len(urls) == 1
        assert urls[0].startswith("/reports/period/")
        page = client.get(urls[0])
    assert page.status_code == 200
    assert [row.unit for row in page.context["rows"]] == [world.chengguan_unit]
