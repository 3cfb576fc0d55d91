"""HQ adds a milestone in the browser; the unit finds it in its next week's report form."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import test_it_runs_on_a_test_database  # noqa: F401 (collected here)

pytestmark = pytest.mark.browser

NEXT_MONDAY = dt.datetime.fromisoformat("2018-07-23T09:00:00+08:00")


def test_a_milestone_added_in_the_browser_appears_in_the_next_report_form(site, db_access):
    from tuopin.lib import clock
    from tuopin.org.models import Role, User
    from tuopin.plan.models import Campaign, Milestone
    from tuopin.reports.periods import ensure_periods

    campaign = Campaign.objects.get(county__code="610327", is_active=True)
    action = campaign.actions.get(number=4)
    reporter = (
        User.objects.filter(
            unit__in=action.units.filter(kind="department"), role=Role.UNIT_REPORTER
        )
        .order_by("username")
        .first()
    )
    text = "8月底前，举办贫困劳动力专场招聘会不少于3场"

    page = site.login("hq")
    site.go(page, f"/plan/actions/{action.pk}/")
    page.locator("#add-milestone").click()
    page.wait_for_load_state()
    page.fill("input[name=deadline]", "2018-08-31T18:00")
    page.fill("textarea[name=text]", text)
    page.fill("input[name=target_value]", "3")
    page.fill("input[name=target_unit]", "场")
    page.select_option("select[name=comparator]", "at_least")
    page.select_option("select[name=metric_source]", "reported")
    page.locator("form button.primary").click()
    page.wait_for_load_state()
    assert "已新增时间节点" in page.content()
    assert text in page.content()
    added = Milestone.objects.get(text=text)
    assert (added.action_id, added.metric_source) == (action.pk, "reported")

    # A week later: the next period opens and the unit's form asks for the new milestone.
    clock.configure(NEXT_MONDAY)
    try:
        ensure_periods(campaign, clock.now())
        from tuopin.reports.models import Report

        report = (
            Report.objects.filter(unit=reporter.unit, period__campaign=campaign)
            .order_by("-period__number")
            .first()
        )
        assert report.period.opens_at <= clock.now() < report.period.deadline  # the next week's
        form = site.login(reporter.username)
        site.go(form, f"/reports/report/{report.pk}/edit/")
        content = form.content()
        assert text in content
        assert form.locator(f"input[name=m{added.pk}-value]").count() == 1
    finally:
        from tests.browser.conftest import DEMO_NOW

        clock.configure(DEMO_NOW)
