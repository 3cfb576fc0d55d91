"""A village cadre enters an employment spell and the village's collective income on a phone
(390×844), from the village's 就业 and 集体经济 tabs: bad input is refused with the ledger's own
reason and nothing written; good records are saved and shown on the tabs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import (
    DEMO_NOW,
    artifacts_dir,
    served,
    signed_in,
    test_it_runs_on_a_test_database,  # noqa: F401 (collected here)
)

pytestmark = pytest.mark.browser
FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(scope="module")
def jobs_site(django_db_setup, django_db_blocker) -> Iterator[str]:
    from tuopin.assess.tests.factories import adult, household
    from tuopin.lib import clock
    from tuopin.org.testing import build_world

    def build() -> None:
        with clock.frozen("2018-07-20T10:00:00+08:00"):
            world = build_world()
            household(world.cg_village, members=[adult(), adult()])

    clock.configure(DEMO_NOW)
    try:
        with served(django_db_blocker, build) as url:
            yield url
    finally:
        clock.configure(None)


def test_a_cadre_enters_a_spell_and_income_on_a_phone(browser, jobs_site, db_access):
    from tuopin.jobs.models import Income, Spell

    context, page = signed_in(browser, jobs_site, "village_cadre")
    page.goto(f"{jobs_site}/jobs/village/610327100201/")
    with page.expect_navigation():
        page.get_by_role("link", name="务工", exact=True).click()
    assert page.locator("h1").inner_text() == "录入务工就业"
    assert page.evaluate(FITS)
    person = page.locator("select[name=id_number] option").nth(1).get_attribute("value")
    page.select_option("select[name=id_number]", person)
    page.select_option("select[name=place]", label="省外")
    page.select_option("select[name=channel]", label="劳务协作")
    page.fill("input[name=employer]", "深圳市某电子有限公司")
    page.fill("input[name=started_on]", "2018-03-01")
    page.fill("input[name=ended_on]", "2018-02-01")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert "结束日期不能早于开始日期" in page.locator("[role=alert]").inner_text()
    assert page.evaluate(FITS)
    page.screenshot(path=str(artifacts_dir() / "jobs-phone-refused.png"), full_page=True)
    assert not Spell.objects.exists()
    page.fill("input[name=ended_on]", "")
    page.fill("input[name=monthly_pay]", "3500")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存").first.wait_for()
    assert Spell.objects.get().employer == "深圳市某电子有限公司"
    page.get_by_role("link", name="查看东关村的台账").click()
    page.wait_for_load_state()
    assert "深圳市某电子有限公司" in page.locator("main").inner_text()
    assert page.evaluate(FITS)

    page.get_by_role("link", name="集体经济", exact=True).last.click()
    page.wait_for_load_state()
    with page.expect_navigation():
        page.get_by_role("link", name="集体收入", exact=True).click()
    assert page.locator("h1").inner_text() == "录入集体收入"
    page.select_option("select[name=source]", label="经营收入")
    page.fill("input[name=amount]", "-3")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert "不能为负数" in page.locator("[role=alert]").inner_text()
    assert not Income.objects.exists()
    page.fill("input[name=amount]", "12.5")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存").first.wait_for()
    assert page.evaluate(FITS)
    page.screenshot(path=str(artifacts_dir() / "jobs-phone-income.png"), full_page=True)
    assert str(Income.objects.get().amount) == "12.5000"
    context.close()
