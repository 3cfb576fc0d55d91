"""Forms in a real browser keep what the user did not touch (issue 13 items 1 and 9)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import test_it_runs_on_a_test_database  # noqa: F401 (collected here)

pytestmark = pytest.mark.browser


def test_it_keeps_the_issue_date_when_the_plan_is_saved_unchanged(site, db_access):
    from tuopin.plan.models import Campaign

    campaign = Campaign.objects.filter(county__code="610327", issued_on__isnull=False).first()
    issued_on = campaign.issued_on
    page = site.login("hq")
    site.go(page, f"/plan/{campaign.pk}/edit/")
    # What chromium itself holds: a value it could not read would be "" here.
    assert page.input_value("input[name=issued_on]") == issued_on.isoformat()
    page.locator("form button.primary").click()
    page.wait_for_load_state()
    assert "没有修改" in page.content()
    campaign.refresh_from_db()
    assert campaign.issued_on == issued_on


def test_it_keeps_the_housing_date_when_only_the_phone_changes(site, db_access):
    from tuopin.registry.models import Household

    household = (
        Household.objects.filter(is_active=True, housing_appraised_on__isnull=False)
        .order_by("household_no")
        .first()
    )
    appraised_on = household.housing_appraised_on
    page = site.login("hq")
    site.go(page, f"/registry/household/{household.household_no}/")
    page.locator("summary", has_text="修改联系方式").click()
    form = page.locator("form[action$='/edit/']")
    assert form.locator("input[name=housing_appraised_on]").input_value() == (
        appraised_on.isoformat()
    )
    form.locator("input[name=phone]").fill("13900001111")
    form.locator("button.primary").click()
    page.wait_for_load_state()
    assert "已保存，修改了 1 项" in page.content()
    household.refresh_from_db()
    assert (household.phone, household.housing_appraised_on) == ("13900001111", appraised_on)


def test_it_keeps_the_typed_text_when_an_attachment_is_uploaded(site, db_access, tmp_path):
    from tuopin.lib import clock
    from tuopin.reports.models import Report

    report = (
        Report.objects.filter(
            status__in=["not_started", "draft"],
            period__opens_at__lte=clock.now(),
            period__deadline__gt=clock.now(),
            unit__kind="department",
        )
        .select_related("unit")
        .order_by("unit__name")
        .first()
    )
    from tuopin.org.models import User

    reporter = User.objects.get(unit=report.unit, role="unit_reporter")
    page = site.login(reporter.username)
    site.go(page, f"/reports/report/{report.pk}/edit/")
    progress = page.locator("textarea[name$='-progress']").first
    progress.fill("本周新修通村道路2公里（尚未保存）")
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 200)
    page.set_input_files("input[type=file][name=file]", str(photo))
    with page.expect_navigation():  # the form checks the connection first, then posts
        page.locator("button[value=upload]").click()
    assert "已上传附件「现场照片.png」" in page.content()
    assert page.locator("textarea[name$='-progress']").first.input_value() == (
        "本周新修通村道路2公里（尚未保存）"
    )
    report.refresh_from_db()
    assert [a.name for a in report.current_version.attachments.all()] == ["现场照片.png"]


def test_it_asks_before_closing_a_household(site, db_access):
    from tuopin.registry.models import Household

    household = Household.objects.filter(is_active=True).order_by("-household_no").first()
    page = site.login("hq")
    site.go(page, f"/registry/household/{household.household_no}/")
    page.locator("summary", has_text="注销该户").click()
    form = page.locator("form[action$='/close/']")
    form.locator("input[name=reason]").fill("全家迁往外省")
    form.locator("button.primary").click()
    # The unticked confirmation stops the browser from sending the form at all.
    assert form.locator("input[name=confirm]").evaluate("e => e.validity.valueMissing")
    household.refresh_from_db()
    assert household.is_active is True
    form.locator("input[name=confirm]").check()
    form.locator("button.primary").click()
    page.wait_for_load_state()
    assert "已注销" in page.content()
    household.refresh_from_db()
    assert household.is_active is False
