from __future__ import annotations

import pytest
from django.urls import reverse

from tuopin.bulletin import actions
from tuopin.bulletin.models import Bulletin, BulletinSettings, Status
from tuopin.org.models import OrgUnit, Role, User
from tuopin.org.testing import PASSWORD


@pytest.fixture
def issues(campaign, world):
    published = actions.publish_bulletin(campaign, "2018-W28", actor=world.hq)
    draft = actions.save_draft(campaign, "2018-W29", actor=world.hq)
    return published, draft


@pytest.fixture
def outsider(db):
    county = OrgUnit.objects.create(code="610328", name="千阳县", level="county")
    user = User(username="outsider", role=Role.HQ_ADMIN, scope=county)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_it_lists_published_issues_for_every_logged_in_user_of_the_county(issues, world, login):
    published, draft = issues
    for user in (world.hq, world.viewer, world.other_cadre, world.reporter, world.village_cadre):
        response = login(user).get(reverse("bulletin:archive"))
        assert response.status_code == 200
        assert list(response.context["published"]) == [published]
        assert reverse("bulletin:docx", args=[published.pk]) in response.content.decode()
    hq_page = login(world.hq).get(reverse("bulletin:archive"))
    assert list(hq_page.context["drafts"]) == [draft]
    assert "用最新数据生成草稿" in hq_page.content.decode()
    viewer_page = login(world.viewer).get(reverse("bulletin:archive"))
    assert list(viewer_page.context["drafts"]) == []
    assert "用最新数据生成草稿" not in viewer_page.content.decode()


def test_it_sends_anonymous_visitors_to_login(issues, login):
    published, _draft = issues
    client = login(None)
    for url in (
        reverse("bulletin:archive"),
        reverse("bulletin:detail", args=[published.pk]),
        reverse("bulletin:docx", args=[published.pk]),
        reverse("bulletin:chart", args=[published.pk, "towns"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    response = client.post(reverse("bulletin:publish"), {"campaign": 1, "week": "2018-W29"})
    assert response.status_code == 302
    assert Bulletin.objects.filter(status=Status.PUBLISHED).count() == 1


def test_it_shows_an_issue_as_a_printable_page(issues, world, login):
    published, _draft = issues
    response = login(world.other_cadre).get(reverse("bulletin:detail", args=[published.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "关于2018年第28周（7月9日—15日）脱贫攻坚工作进展情况的通报" in page
    assert "第1期" in page and "陇县脱贫攻坚领导小组办公室" in page
    assert published.content_hash in page
    assert reverse("bulletin:chart", args=[published.pk, "milestones"]) in page
    assert "更正重发" not in page  # not a publisher
    assert (
        "更正重发"
        in login(world.hq).get(reverse("bulletin:detail", args=[published.pk])).content.decode()
    )


def test_it_hides_drafts_from_everyone_but_publishers(issues, world, login):
    _published, draft = issues
    assert login(world.hq).get(reverse("bulletin:detail", args=[draft.pk])).status_code == 200
    for user in (world.viewer, world.other_cadre, world.head, world.leader):
        client = login(user)
        assert client.get(reverse("bulletin:detail", args=[draft.pk])).status_code == 404
        assert client.get(reverse("bulletin:docx", args=[draft.pk])).status_code == 404


def test_it_hides_other_counties_bulletins(issues, outsider, login):
    published, _draft = issues
    client = login(outsider)
    assert client.get(reverse("bulletin:detail", args=[published.pk])).status_code == 404
    assert list(client.get(reverse("bulletin:archive")).context["published"]) == []
    response = client.post(
        reverse("bulletin:publish"), {"campaign": published.campaign_id, "week": "2018-W29"}
    )
    assert response.status_code == 404


def test_it_downloads_the_stored_document(issues, world, login):
    published, draft = issues
    response = login(world.viewer).get(reverse("bulletin:docx", args=[published.pk]))
    assert response.status_code == 200
    assert response.content == bytes(published.docx)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        "filename*=UTF-8''%E5%91%A8%E9%80%9A%E6%8A%A5-%E7%AC%AC1%E6%9C%9F-2018-W28.docx"
        in response["Content-Disposition"]
    )
    drafted = login(world.hq).get(reverse("bulletin:docx", args=[draft.pk]))
    assert drafted.status_code == 200 and drafted.content.startswith(b"PK")


def test_it_serves_charts(issues, world, login):
    published, _draft = issues
    client = login(world.viewer)
    response = client.get(reverse("bulletin:chart", args=[published.pk, "timeliness"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client.get(reverse("bulletin:chart", args=[published.pk, "nothing"])).status_code == 404


def test_it_lets_hq_compose_and_publish(campaign, world, login):
    client = login(world.hq)
    response = client.post(
        reverse("bulletin:compose"), {"campaign": campaign.pk, "week": "2018-W29"}
    )
    draft = Bulletin.objects.get(status=Status.DRAFT)
    assert response.status_code == 302 and response["Location"] == reverse(
        "bulletin:detail", args=[draft.pk]
    )
    asked = client.post(reverse("bulletin:publish"), {"campaign": campaign.pk, "week": "2018-W29"})
    assert asked.status_code == 200 and "确认发布第1期" in asked.content.decode()
    assert not Bulletin.objects.filter(status=Status.PUBLISHED).exists()
    response = client.post(
        reverse("bulletin:publish"), {"campaign": campaign.pk, "week": "2018-W29", "confirm": "yes"}
    )
    issue = Bulletin.objects.get(status=Status.PUBLISHED)
    assert issue.pk == draft.pk and issue.number == 1
    assert response["Location"] == reverse("bulletin:detail", args=[issue.pk])
    again = client.post(
        reverse("bulletin:publish"),
        {"campaign": campaign.pk, "week": "2018-W29", "confirm": "yes"},
        follow=True,
    )
    assert "已发布的通报不能修改" in again.content.decode()
    bad = client.post(
        reverse("bulletin:compose"), {"campaign": campaign.pk, "week": "2018-W99"}, follow=True
    )
    assert "周次“2018-W99”不存在" in bad.content.decode()
    assert Bulletin.objects.count() == 1


def test_it_refuses_compose_and_publish_to_others(campaign, world, login):
    for user in (world.viewer, world.other_cadre, world.head, world.leader):
        client = login(user)
        for name in ("bulletin:compose", "bulletin:publish"):
            response = client.post(reverse(name), {"campaign": campaign.pk, "week": "2018-W29"})
            assert response.status_code == 403
    assert Bulletin.objects.count() == 0
    assert login(world.hq).get(reverse("bulletin:publish")).status_code == 405


def test_it_reissues_from_the_page(issues, world, login):
    published, _draft = issues
    assert (
        login(world.viewer)
        .post(reverse("bulletin:reissue", args=[published.pk]), {"reason": "x"})
        .status_code
        == 403
    )
    client = login(world.hq)
    empty = client.post(
        reverse("bulletin:reissue", args=[published.pk]), {"reason": " "}, follow=True
    )
    assert "请填写更正原因" in empty.content.decode()
    asked = client.post(reverse("bulletin:reissue", args=[published.pk]), {"reason": "数据更正"})
    assert asked.status_code == 200
    assert "更正原因：数据更正" in asked.content.decode()
    assert "确认发布更正版" in asked.content.decode()
    assert not Bulletin.objects.filter(replaces=published).exists()
    response = client.post(
        reverse("bulletin:reissue", args=[published.pk]), {"reason": "数据更正", "confirm": "yes"}
    )
    corrected = Bulletin.objects.get(replaces=published)
    assert response["Location"] == reverse("bulletin:detail", args=[corrected.pk])
    page = login(world.viewer).get(reverse("bulletin:detail", args=[published.pk])).content.decode()
    assert "已被更正版取代" in page


def test_it_edits_the_settings(campaign, world, login):
    url = reverse("bulletin:settings", args=[campaign.pk])
    assert login(world.viewer).get(url).status_code == 403
    assert login(None).get(url).status_code == 302
    client = login(world.hq)
    assert client.get(url).status_code == 200
    bad = client.post(
        url, {"publish_delay_minutes": "abc", "first_number": "0", "issuer": "", "title": "周报"}
    )
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "“截止后多少分钟自动发布”应为整数，收到“abc”" in page
    assert "“起始期号”应在 1—9999 之间，收到 0" in page
    assert not BulletinSettings.objects.exists()
    ok = client.post(
        url,
        {
            "auto_publish": "on",
            "publish_delay_minutes": "60",
            "first_number": "5",
            "issuer": "陇县脱贫攻坚领导小组办公室",
            "title": "脱贫攻坚周通报",
        },
    )
    assert ok.status_code == 302
    row = BulletinSettings.objects.get()
    assert (row.auto_publish, row.publish_delay_minutes, row.first_number, row.title) == (
        True,
        60,
        5,
        "脱贫攻坚周通报",
    )
