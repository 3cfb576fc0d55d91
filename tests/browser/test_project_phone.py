"""A village cadre opens a project on a phone (390×844), reads its dates, money and history, and
uploads a progress photo straight from the phone: the time and the phone's position are kept."""

from __future__ import annotations

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
def project_site(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """The test county with a small project ledger, served live; wiped after."""
    from django.test.utils import override_settings

    from tuopin.lib import clock
    from tuopin.org.testing import build_world
    from tuopin.projects import actions
    from tuopin.projects.ledger_app import APP
    from tuopin.projects.tests.helpers import fund, project, workbook

    def build() -> None:
        with clock.frozen("2018-07-20T10:00:00+08:00"):
            world = build_world()
            rows = [project("LX-01", world.cg_village.code, 项目名称="东关村通村水泥路硬化")]
            plan = APP.check(workbook(rows, [fund("LX-01")]), "台账.xlsx", world.hq)
            assert plan.ok, plan.problems
            actions.apply_import(plan, actor=world.hq, filename="台账.xlsx")

    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    media.enable()
    try:
        with served(django_db_blocker, build) as url:
            yield url
    finally:
        media.disable()


def test_a_cadre_uploads_a_progress_photo_from_a_phone(browser, project_site, db_access):
    from tuopin.projects.models import ProjectPhoto

    context, page = signed_in(
        browser,
        project_site,
        "village_cadre",
        geolocation={"latitude": 34.8931, "longitude": 106.8572},
        permissions=["geolocation"],
    )
    page.goto(f"{project_site}/projects/p/LX-01/")
    assert page.locator("h1").inner_text() == "东关村通村水泥路硬化"
    assert page.get_by_text("统筹整合涉农资金").first.is_visible()
    assert page.get_by_text("导入新建").first.is_visible()
    # The page fits the phone: nothing to scroll sideways.
    assert fits_the_screen(page)
    page.set_input_files(
        "input[name=photo]",
        {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": jpeg((90, 140, 200))},
    )
    page.wait_for_function("() => document.querySelector('input[name=latitude]').value !== ''")
    page.fill("input[name=note]", "路基完成")
    with page.expect_navigation():
        page.get_by_role("button", name="上传照片").click()
    page.get_by_text("照片已上传").wait_for()
    figure = page.locator(".photos figure").first
    assert "路基完成" in figure.inner_text() and "34.8931" in figure.inner_text()
    assert page.evaluate("() => document.querySelector('.photos img').naturalWidth") == 320
    page.screenshot(path=str(artifacts_dir() / "project-phone.png"), full_page=True)
    photo = ProjectPhoto.objects.get()
    assert (float(photo.latitude), float(photo.longitude)) == (34.8931, 106.8572)
    assert photo.note == "路基完成"
    context.close()
