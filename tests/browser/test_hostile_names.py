"""A village named like markup stays text in the map tooltip (points and imported boundaries)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from tests.browser.conftest import (
    DESKTOP,
    served,
    test_it_runs_on_a_test_database,  # noqa: F401 (collected here)
)

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def hostile_site(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The test county with a village named like markup, served by a live server; wiped after."""
    from tuopin.org.testing import build_world

    def build() -> None:
        village = build_world().cg_village
        village.name = HOSTILE
        village.longitude, village.latitude = 106.83, 34.89
        village.save(update_fields=["name", "longitude", "latitude"])

    with served(django_db_blocker, build) as url:
        yield url


def _show_first_tooltip(browser, base_url: str) -> tuple[str, str, list[str]]:
    """Log in as hq, open the map, show the first item's tooltip: (html, text, dialogs)."""
    from tuopin.org.testing import PASSWORD

    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(15000)
    try:
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{base_url}/login/")
        page.fill("input[name=username]", "hq")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button").first.click()
        page.wait_for_load_state()
        page.goto(f"{base_url}/dashboard/map/?metric=poor_village")
        page.wait_for_selector("#village-map[data-ready='1']")
        page.evaluate(
            """() => {
                const chart = echarts.getInstanceByDom(document.getElementById('village-map'));
                chart.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0});
            }"""
        )
        tooltip = page.locator("#village-map > div").filter(has_text="是否贫困村").last
        tooltip.wait_for(state="visible")
        page.wait_for_timeout(300)  # an injected <img> would have fired its onerror by now
        return tooltip.inner_html(), tooltip.inner_text(), dialogs
    finally:
        context.close()


def test_the_map_tooltip_shows_a_markup_name_as_text(browser, hostile_site, db_access):
    html, text, dialogs = _show_first_tooltip(browser, hostile_site)
    assert dialogs == []
    assert "<img" not in html
    assert HOSTILE in text


def test_the_boundary_tooltip_shows_a_markup_name_as_text(browser, hostile_site, db_access):
    from tuopin.dashboard.models import Boundary
    from tuopin.org.models import OrgUnit

    village = OrgUnit.objects.get(name=HOSTILE)
    ring = [[106.82, 34.88], [106.84, 34.88], [106.84, 34.90], [106.82, 34.90], [106.82, 34.88]]
    Boundary.objects.create(
        code=village.code,
        name=HOSTILE,
        geometry={"type": "Polygon", "coordinates": [ring]},
        imported_at=dt.datetime(2018, 7, 20, 2, tzinfo=dt.UTC),
    )
    try:
        html, text, dialogs = _show_first_tooltip(browser, hostile_site)
    finally:
        Boundary.objects.all().delete()
    assert dialogs == []
    assert "<img" not in html
    assert HOSTILE in text
