"""A helper records a home visit on a phone (390×844): picks the household from the assigned
list, the phone's position is kept, a photo goes with it, and the household's 帮扶 tab shows it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import (
    HELPED_HOUSEHOLD,
    artifacts_dir,
    fits_the_screen,
    helped_household_site,
    jpeg,
    signed_in,
    test_it_runs_on_a_test_database,  # noqa: F401 (collected here)
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def visit_site(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    with helped_household_site(django_db_blocker, tmp_path_factory) as url:
        yield url


def test_a_helper_records_a_visit_on_a_phone(browser, visit_site, db_access):
    from tuopin.households.models import Visit

    context, page = signed_in(
        browser,
        visit_site,
        "helper1",
        geolocation={"latitude": 34.8931, "longitude": 106.8572},
        permissions=["geolocation"],
    )
    page.goto(f"{visit_site}/households/visit/")
    assert page.locator("h1").inner_text() == "记录帮扶走访"
    assert page.locator("datalist#mine option").count() == 1
    page.wait_for_function("() => document.querySelector('input[name=latitude]').value !== ''")
    # The form fits the phone: nothing to scroll sideways.
    assert fits_the_screen(page)
    # A future date is refused with a clear message and nothing is written.
    page.fill("input[name=household_no]", HELPED_HOUSEHOLD)
    page.fill("input[name=visited_on]", "2018-07-25")
    page.fill("textarea[name=what]", "宣讲政策")
    page.get_by_role("button", name="保存走访").click()
    page.get_by_text("走访日期不能晚于今天").wait_for()
    assert Visit.objects.count() == 0
    page.fill("input[name=visited_on]", "2018-07-20")
    page.set_input_files(
        "input[name=photo]",
        {"name": "走访.jpg", "mimeType": "image/jpeg", "buffer": jpeg((90, 160, 90))},
    )
    page.wait_for_function("() => document.querySelector('input[name=latitude]').value !== ''")
    with page.expect_navigation():
        page.get_by_role("button", name="保存走访").click()
    page.get_by_text("已记录走访").wait_for()
    assert "宣讲政策" in page.locator("body").inner_text()
    page.screenshot(path=str(artifacts_dir() / "household-visit-phone.png"), full_page=True)
    visit = Visit.objects.get()
    assert (float(visit.latitude), float(visit.longitude)) == (34.8931, 106.8572)
    assert visit.photo.name and visit.helper.name == "王帮扶"
    context.close()
