"""An inspector on a phone (390×844) runs a 三无一规范一眼净 check of a village item by item with a
photo: the two failed items appear as 整改 cases held by the town with their clocks; after a
passing re-inspection the village shows 达标 and the town's milestone metric moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from tests.browser.conftest import (
    artifacts_dir,
    fits_the_screen,
    jpeg,
    served,
    signed_in,
    test_it_runs_on_a_test_database,  # noqa: F401 (collected here)
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def check_site(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """The test county with the shipped checklists and a team in 东关村, served live."""
    from django.test.utils import override_settings

    from tuopin.lib import clock
    from tuopin.org.testing import build_world
    from tuopin.villages import shipped
    from tuopin.villages.tests.helpers import full_team

    def build() -> None:
        with clock.frozen("2018-07-20T10:00:00+08:00"):
            world = build_world()
            shipped.ship(world.hq)
            full_team(world.hq, world.cg_village, "1")

    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    media.enable()
    try:
        with served(django_db_blocker, build) as url:
            yield url
    finally:
        media.disable()


def _town_passing() -> int:
    from tuopin.villages import metrics

    found = metrics._passing("sanwu", "village", "")("town", dt.date(2100, 1, 1), ["610327100"])
    return int(found["610327100"].value)


def test_an_inspector_checks_a_village_on_a_phone(browser, check_site, db_access):
    from tuopin.cases.models import Case, Kind, Stage
    from tuopin.villages.models import ChecklistTemplate

    items = {i.order: i.pk for i in ChecklistTemplate.objects.get(key="sanwu").items.all()}
    context, page = signed_in(
        browser,
        check_site,
        "inspector",
        geolocation={"latitude": 34.8931, "longitude": 106.8572},
        permissions=["geolocation"],
    )

    page.goto(f"{check_site}/villages/v/610327100201/")
    with page.expect_navigation():
        page.get_by_role("link", name="三无一规范一眼净").click()
    assert "东关村" in page.locator("h1").inner_text()
    assert fits_the_screen(page)
    for order, pk in items.items():
        value = "0" if order in (1, 3) else "1"
        page.locator(f"input[name=i_{pk}][value='{value}']").check()
    page.fill(f"input[name=n_{items[1]}]", "村口有垃圾堆放")
    page.set_input_files(
        f"input[name=p_{items[1]}]",
        {"name": "垃圾.jpg", "mimeType": "image/jpeg", "buffer": jpeg((120, 110, 90))},
    )
    page.wait_for_function("() => document.querySelector('input[name=latitude]').value !== ''")
    page.screenshot(path=str(artifacts_dir() / "village-check-phone-form.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="提交检查结果").click()
    assert page.locator("#verdict").inner_text() == "未通过"
    assert page.locator("a.rectification").count() == 2
    assert "34.893100" in page.locator(".result").inner_text()
    page.screenshot(path=str(artifacts_dir() / "village-check-phone-result.png"), full_page=True)

    cases = Case.objects.filter(kind=Kind.RECTIFICATION)
    assert cases.count() == 2
    for case in cases:
        running = case.open_clock()
        assert running is not None and running.stage == Stage.HANDLE
        assert running.holder_unit.name == "城关镇"
    assert _town_passing() == 0

    # The case page opens from the result and shows the clock's holder.
    with page.expect_navigation():
        page.locator("a.rectification").first.click()
    assert "城关镇" in page.content()

    # The re-inspection passes: the village shows 达标 and the town's count moves.
    page.goto(f"{check_site}/villages/check/sanwu/610327100201/")
    for pk in items.values():
        page.locator(f"input[name=i_{pk}][value='1']").check()
    with page.expect_navigation():
        page.get_by_role("button", name="提交检查结果").click()
    assert page.locator("#verdict").inner_text() == "通过"
    page.goto(f"{check_site}/villages/v/610327100201/")
    assert "达标" in page.locator("li[data-key=sanwu]").inner_text()
    assert _town_passing() == 1
    page.screenshot(path=str(artifacts_dir() / "village-check-phone-village.png"), full_page=True)
    context.close()


def test_an_inspector_records_a_presence_check_on_a_phone(browser, check_site, db_access):
    from tuopin.villages.models import PresenceCheck, TeamMember

    absent = TeamMember.objects.get(village__code="610327100201", name="李卫东")
    context, page = signed_in(browser, check_site, "inspector")
    page.goto(f"{check_site}/villages/v/610327100201/")
    with page.expect_navigation():
        page.get_by_role("link", name="在岗检查").click()
    assert page.locator("fieldset.presence").count() == 7
    assert fits_the_screen(page)
    page.select_option("select[name=kind]", label="暗访")
    page.locator(f"input[name=m_{absent.pk}][value=none]").check()
    page.screenshot(path=str(artifacts_dir() / "village-presence-phone.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="保存检查").click()
    assert "在岗 6/7" in page.content()
    check = PresenceCheck.objects.get()
    assert check.kind == "unannounced"
    assert check.entries.get(member=absent).reason == "none"
    assert "0/1" in page.locator("tr", has_text="李卫东").inner_text()
    context.close()
