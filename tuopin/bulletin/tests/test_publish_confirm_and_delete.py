"""Publishing asks first (naming who has not signed), future weeks are refused, drafts deletable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tuopin.bulletin import actions
from tuopin.bulletin.models import Bulletin, Status
from tuopin.bulletin.weeks import WeekError
from tuopin.lib import clock
from tuopin.org.models import AuditEvent, OrgUnit, Role, User
from tuopin.org.testing import PASSWORD
from tuopin.reports.models import Report

TEN = "2018-07-20T10:00:00+08:00"  # week 29, two hours before the 12:00 deadline


@pytest.fixture
def unsigned(campaign, world):
    """At 10:00 县卫计局 has not signed yet (it signs late, at 14:00, in the test data)."""
    Report.objects.filter(period__number=6, unit=world.health).update(
        first_signed_at=None, timeliness="pending", status="submitted"
    )
    return campaign


def _publish(client, campaign, week="2018-W29", **extra):
    return client.post(
        reverse("bulletin:publish"), {"campaign": campaign.pk, "week": week, **extra}
    )


def test_it_names_the_units_still_missing_before_publishing_ahead_of_the_deadline(
    unsigned, world, login
):
    client = login(world.hq)
    with clock.frozen(TEN):
        asked = _publish(client, unsigned)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "本周周报截止时间为 7月20日 12:00，现在是 7月20日 10:00，尚未截止" in page
    assert "尚未签字报送的单位（2个）：</strong>县卫计局、东风镇。" in page
    assert "仍要提前发布第1期" in page
    assert not Bulletin.objects.exists()
    with clock.frozen(TEN):
        done = _publish(client, unsigned, confirm="yes")
    issue = Bulletin.objects.get(status=Status.PUBLISHED)
    assert done["Location"] == reverse("bulletin:detail", args=[issue.pk])
    assert issue.snapshot["timeliness"]["missing"] == ["县卫计局", "东风镇"]


def test_it_asks_before_every_publication(campaign, world, login):
    asked = _publish(login(world.hq), campaign)
    page = asked.content.decode()
    assert asked.status_code == 200 and "确认发布第1期" in page
    assert "尚未截止" not in page
    assert "尚未签字报送的单位（1个）：</strong>东风镇。" in page
    assert not Bulletin.objects.filter(status=Status.PUBLISHED).exists()


def test_it_refuses_future_weeks(campaign, world, login):
    for do in (actions.save_draft, actions.publish_bulletin):
        with pytest.raises(
            WeekError, match=r"周次 2018-W30（7月23日—29日）尚未开始，不能提前生成或发布"
        ):
            do(campaign, "2018-W30", actor=world.hq)
    client = login(world.hq)
    for name in ("bulletin:compose", "bulletin:publish"):
        response = client.post(
            reverse(name), {"campaign": campaign.pk, "week": "2018-W30"}, follow=True
        )
        assert (
            "本周为 2018-W29（7月16日—22日），请选择本周或以前的周次" in response.content.decode()
        )
    for campaign_id in ("abc", "", "999999"):
        response = client.post(
            reverse("bulletin:publish"), {"campaign": campaign_id, "week": "2018-W29"}
        )
        assert response.status_code == 404
    api = client.post(
        "/api/bulletin/publish",
        {"campaign": campaign.pk, "week": "2018-W30"},
        content_type="application/json",
    )
    assert api.status_code == 400 and "尚未开始" in api.json()["detail"]
    assert not Bulletin.objects.exists()


def test_it_deletes_a_draft_after_confirmation_and_records_it(campaign, world, login):
    draft = actions.save_draft(campaign, "2018-W29", actor=world.hq)
    client = login(world.hq)
    url = reverse("bulletin:delete", args=[draft.pk])
    asked = client.post(url)
    assert asked.status_code == 200 and "确认删除草稿" in asked.content.decode()
    assert Bulletin.objects.filter(pk=draft.pk).exists()
    done = client.post(url, {"confirm": "yes"}, follow=True)
    assert "已删除 2018-W29 的周通报草稿" in done.content.decode()
    assert not Bulletin.objects.filter(pk=draft.pk).exists()
    event = AuditEvent.objects.get(action="删除周通报草稿")
    assert (event.actor, event.object_id, event.changes["week"]) == (
        world.hq,
        str(draft.pk),
        ["2018-W29", None],
    )
    # Composing again works as before.
    assert actions.save_draft(campaign, "2018-W29", actor=world.hq).status == Status.DRAFT


def test_it_never_deletes_a_published_issue(campaign, world, login):
    issue = actions.publish_bulletin(campaign, "2018-W28", actor=world.hq)
    with pytest.raises(
        actions.BulletinError, match="已发布的通报不能删除；如内容有误，请使用“更正重发”"
    ):
        actions.delete_draft(issue, actor=world.hq)
    response = login(world.hq).post(
        reverse("bulletin:delete", args=[issue.pk]), {"confirm": "yes"}, follow=True
    )
    assert "第1期（2018-W28）已发布，已发布的通报不能删除" in response.content.decode()
    issue.refresh_from_db()
    assert issue.is_published and issue.verify()
    assert not AuditEvent.objects.filter(action="删除周通报草稿").exists()


def test_it_lets_only_hq_of_the_county_delete_a_draft(campaign, world, login):
    draft = actions.save_draft(campaign, "2018-W29", actor=world.hq)
    issue = actions.publish_bulletin(campaign, "2018-W28", actor=world.hq)
    county = OrgUnit.objects.create(code="610328", name="千阳县", level="county")
    outsider = User(username="outsider", role=Role.HQ_ADMIN, scope=county)
    outsider.set_password(PASSWORD)
    outsider.save()
    for user, bulletin, expected in (
        (world.viewer, draft, 404),  # drafts are invisible to readers
        (world.viewer, issue, 403),
        (world.other_cadre, draft, 404),
        (outsider, draft, 404),
        (None, draft, 302),
    ):
        response = login(user).post(
            reverse("bulletin:delete", args=[bulletin.pk]), {"confirm": "yes"}
        )
        assert response.status_code == expected
    assert Bulletin.objects.filter(pk__in=[draft.pk, issue.pk]).count() == 2
    assert login(world.hq).get(reverse("bulletin:delete", args=[draft.pk])).status_code == 405
