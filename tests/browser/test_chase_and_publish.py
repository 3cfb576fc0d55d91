"""HQ at 10:00 on the demo Friday, with JavaScript off: counts, 催报 to all, publishing confirmed."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import test_it_runs_on_a_test_database  # noqa: F401 (collected here)

pytestmark = pytest.mark.browser


def test_hq_chases_the_unsigned_units_and_confirms_publishing(site, db_access):
    from tuopin.bulletin.models import Bulletin, Status
    from tuopin.plan.models import Campaign
    from tuopin.reports.models import Notification, Period, Reminder
    from tuopin.reports.timeliness import unsigned_units

    campaign = Campaign.objects.get(county__code="610327", is_active=True)
    period = Period.objects.filter(campaign=campaign).order_by("-deadline").first()
    unsigned = [unit.name for unit in unsigned_units(period)]
    assert unsigned  # 10:00, two hours before the deadline: many units have not signed

    hq = site.login("hq", javascript=False)
    site.go(hq, f"/reports/period/{period.pk}/")
    tile = hq.locator("a.tile", has_text="尚未签字").locator("b")
    assert int(tile.inner_text()) == len(unsigned)
    hq.get_by_role("link", name=re.compile("尚未签字")).first.click()
    hq.wait_for_load_state()
    assert hq.locator("table.grid tbody tr").count() == len(unsigned)
    hq.get_by_role("button", name=f"向全部尚未签字单位催报（{len(unsigned)}个）").click()
    hq.wait_for_load_state()
    assert f"已向 {len(unsigned)} 个单位催报" in hq.content()
    assert "show=unsigned" in hq.url
    site.shot(hq, "reports-period-chased-desktop")
    assert Reminder.objects.filter(chased_by__username="hq", sent_at__isnull=False).exists()
    assert Notification.objects.filter(title__startswith="【催报】").exists()

    site.go(hq, "/bulletin/")
    hq.get_by_role("button", name="发布…（下一步确认）").click()
    hq.wait_for_load_state()
    page = hq.content()
    assert "尚未截止" in page
    assert f"尚未签字报送的单位（{len(unsigned)}个）：</strong>{'、'.join(unsigned)}。" in page
    site.shot(hq, "bulletin-confirm-publish-desktop")
    hq.get_by_role("link", name="返回，暂不发布").click()
    hq.wait_for_load_state()
    assert not Bulletin.objects.filter(
        campaign=campaign, week="2018-W29", status=Status.PUBLISHED
    ).exists()
