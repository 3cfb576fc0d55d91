"""A village cadre enters a water test report on a phone (390×844) with the report's photo:
a bad value is refused with the reason and nothing written; a failing report is saved with its
file and turns the served household's water flag to 否 on the village's 饮水 page."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import artifacts_dir, served, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.django_db
def test_it_runs_on_a_test_database():
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    assert (connection.vendor == "sqlite" and connection.is_in_memory_db()) or Path(
        name
    ).name.startswith("test")


@pytest.fixture(scope="module")
def water_site(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    from django.test.utils import override_settings

    from tuopin.assess.tests.factories import household
    from tuopin.lib import clock
    from tuopin.org.testing import build_world
    from tuopin.water.ledger_app import APP
    from tuopin.water.tests.helpers import workbook
    from tuopin.water.tests.test_water import POINT_H, SERVICE_H, point

    def build() -> None:
        with clock.frozen("2018-07-20T10:00:00+08:00"):
            world = build_world()
            home = household(world.cg_village)
            data = workbook(
                {
                    "供水点": (
                        POINT_H,
                        [point("W1", world.cg_village, 供水点名称="东关村集中供水站")],
                    ),
                    "受益农户": (SERVICE_H, [{"供水点编号": "W1", "户编号": home.household_no}]),
                }
            )
            plan = APP.check(data, "x.xlsx", world.hq)
            assert plan.ok, plan.problems
            APP.apply(plan, actor=world.hq)

    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    media.enable()
    try:
        with served(django_db_blocker, build) as url:
            yield url
    finally:
        media.disable()


def _photo() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 200, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_cadre_enters_a_test_report_on_a_phone(browser, water_site, db_access):
    from tuopin.org.testing import PASSWORD
    from tuopin.registry.models import Household
    from tuopin.water.models import WaterTest

    context, page = sign_in(browser, water_site, "village_cadre", password=PASSWORD, phone=True)
    page.goto(f"{water_site}/water/test/")
    assert page.locator("h1").inner_text() == "录入水质检测报告"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.fill("input[name=report_no]", "JC-001")
    page.select_option("select[name=point]", label="W1 东关村集中供水站")
    page.fill("input[name=lab]", "陇县疾病预防控制中心")
    page.fill("textarea[name=values]", "浑浊度=5000")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert "超出可能的范围" in page.locator("[role=alert]").inner_text()
    assert not WaterTest.objects.exists()
    page.fill("textarea[name=values]", "浑浊度=0.6；砷=0.05")
    page.set_input_files(
        "input[name=report_file]",
        {"name": "报告.jpg", "mimeType": "image/jpeg", "buffer": _photo()},
    )
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存检测报告 JC-001：不合格").wait_for()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert "所在供水点检测报告 JC-001" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts_dir() / "water-phone.png"), full_page=True)
    test = WaterTest.objects.get()
    assert not test.passed and test.report_file.name.endswith(".jpg")
    assert Household.objects.get().water_quality_ok is False
    context.close()
