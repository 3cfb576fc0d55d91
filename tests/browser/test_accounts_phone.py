"""HQ creates an account on a phone (390×844) and reads the password shown once; the county's
registry export downloads in the browser as a workbook that opens."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    fits_the_screen,
    served,
    signed_in,
    test_it_runs_on_a_test_database,  # noqa: F401 (collected here)
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world_site(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The test county with a small registry, served by a live server; wiped after."""
    from tuopin.lib import clock
    from tuopin.org.testing import build_world
    from tuopin.synth.registry_gen import generate_households

    def build() -> None:
        with clock.frozen("2018-07-20T10:00:00+08:00"):
            world = build_world()
            generate_households([world.cg_village], seed=3, mean_households_per_village=20)

    with served(django_db_blocker, build) as url:
        yield url


def test_hq_creates_an_account_on_a_phone(browser, world_site, db_access):
    from django.test import Client

    from tuopin.org.models import OrgUnit

    chengguan = OrgUnit.objects.get(code="610327100")
    context, page = signed_in(browser, world_site, "hq", viewport=PHONE, accept_downloads=True)
    try:
        page.goto(f"{world_site}/org/accounts/")
        assert page.locator("h1").inner_text().startswith("账号管理")
        assert fits_the_screen(page)
        page.get_by_role("link", name="新建账号").click()
        assert fits_the_screen(page)
        page.fill("input[name=username]", "phone_made")
        page.fill("input[name=first_name]", "手机建")
        page.select_option("select[name=role]", "town_cadre")
        page.select_option("select[name=scope]", str(chengguan.pk))
        page.get_by_role("button", name="创建账号并生成密码").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "账号已创建"
        assert fits_the_screen(page)
        password = page.locator(".password").inner_text()
    finally:
        context.close()
    assert Client().login(username="phone_made", password=password)


def test_the_county_export_downloads_as_a_workbook(browser, world_site, db_access):
    from python_calamine import CalamineWorkbook

    from tuopin.registry.models import Person

    context, page = signed_in(browser, world_site, "hq", viewport=DESKTOP, accept_downloads=True)
    try:
        page.goto(f"{world_site}/registry/")
        with page.expect_download() as started:
            page.get_by_role("link", name="导出本辖区档案").click()
        download = started.value
        assert download.suggested_filename.startswith("档案-陇县-610327-")
        data = Path(download.path()).read_bytes()
    finally:
        context.close()
    persons = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("人").to_python()
    assert len(persons) - 1 == Person.objects.filter(is_active=True).count() > 0
