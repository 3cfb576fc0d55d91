"""A helper records an assistance measure (帮扶措施) on a phone (390×844): the import's own rules
refuse a future date in Chinese and nothing is written; an industry project with its base and a
photo as evidence is saved and shows on the household's 帮扶 tab."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import HELPED_HOUSEHOLD as NUMBER
from tests.browser.conftest import PHONE, Site, helped_household_site

pytestmark = pytest.mark.browser


@pytest.mark.django_db
def test_it_runs_on_a_test_database():
    """Also makes pytest-django create the test database when only this module is collected."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    assert (connection.vendor == "sqlite" and connection.is_in_memory_db()) or Path(
        name
    ).name.startswith("test")


def _base(world, household) -> None:
    from tuopin.households.models import Base

    Base.objects.create(code="JD-01", name="东关核桃基地", kind="base", place=world.cg_village)


@pytest.fixture(scope="module")
def measure_site(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    with helped_household_site(django_db_blocker, tmp_path_factory, _base) as url:
        yield url


def _photo() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (160, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_helper_records_a_measure_on_a_phone(browser, measure_site, db_access):
    from tuopin.households.models import Measure
    from tuopin.org.testing import PASSWORD

    site = Site(browser, measure_site)
    try:
        page = site.login("helper1", PHONE, password=PASSWORD)
        site.go(page, f"/households/h/{NUMBER}/")
        with page.expect_navigation():
            page.get_by_role("link", name="记录帮扶措施").click()
        assert page.locator("h1").inner_text().startswith("记录帮扶措施")
        # The form fits the phone: nothing to scroll sideways, buttons big enough to tap.
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        button = page.get_by_role("button", name="保存帮扶措施").bounding_box()
        assert button["height"] >= 32
        # A future date: the import's reason, nothing written.
        page.select_option("select[name=kind]", label="产业")
        page.fill("input[name=done_on]", "2018-07-25")
        page.fill("input[name=amount]", "3000")
        page.fill("input[name=content]", "核桃苗")
        page.get_by_role("button", name="保存帮扶措施").click()
        page.get_by_text("日期不能晚于今天").wait_for()
        assert Measure.objects.count() == 0
        # Corrected, with the industry project, its base and a photo.
        page.fill("input[name=done_on]", "2018-07-18")
        page.fill("input[name=industry_type]", "核桃")
        page.fill("input[name=scale]", "5亩")
        page.select_option("select[name=base_code]", "JD-01")
        page.set_input_files(
            "input[name=evidence]",
            {"name": "凭证.jpg", "mimeType": "image/jpeg", "buffer": _photo()},
        )
        with page.expect_navigation():
            page.get_by_role("button", name="保存帮扶措施").click()
        page.get_by_text("已记录帮扶措施").wait_for()
        assert "东关核桃基地" in page.locator("body").inner_text()
        site.shot(page, "household-measure-phone")
        measure = Measure.objects.get()
        assert (measure.kind, measure.scale, measure.base.code) == ("industry", "5亩", "JD-01")
        assert measure.evidence.name.endswith(".jpg")
    finally:
        site.close()


def test_a_town_pairs_a_helper_on_a_phone(browser, measure_site, db_access):
    """结对帮扶 at 390 px: pick the village, tick the household, choose the helper."""
    from tuopin.households.models import Assignment
    from tuopin.org.testing import PASSWORD

    site = Site(browser, measure_site)
    try:
        page = site.login("cadre", PHONE, password=PASSWORD)
        site.go(page, "/households/helpers/")
        page.select_option("select[name=village]", label="城关镇 东关村")
        with page.expect_navigation():
            page.get_by_role("button", name="查看本村农户").click()
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        row = page.locator(".pick-list label").first
        assert row.bounding_box()["height"] >= 44  # one tap target per household
        row.click()
        page.select_option("select[name=helper]", label="王帮扶（县交通局）")
        with page.expect_navigation():
            page.get_by_role("button", name="为勾选的农户结对").click()
        page.get_by_text("已结对：1 户").wait_for()
        site.shot(page, "household-assign-phone")
        assert Assignment.objects.get().helper.name == "王帮扶"
    finally:
        site.close()
