from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tuopin.lib import clock
from tuopin.reports import actions
from tuopin.reports.models import Attachment, Notification, ReportVersion
from tuopin.reports.tests.conftest import values_for

THURSDAY = "2018-07-19T15:00:00+08:00"


def _form(setup, km="12.5", intent="save", revision=0, progress="本周完成3公里"):
    return {
        "revision": str(revision),
        "intent": intent,
        f"a{setup.roads.pk}-progress": progress,
        f"a{setup.roads.pk}-problems": "征地协调难",
        f"a{setup.roads.pk}-suggestions": "请县政府协调",
        f"m{setup.road_km.pk}-value": km,
        f"m{setup.road_km.pk}-status": "in_progress",
        f"m{setup.road_share.pk}-value": "80",
        f"m{setup.road_share.pk}-status": "behind",
    }


def test_it_runs_the_whole_cycle_in_the_browser(setup, world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        client = login(world.reporter)
        page = client.get(reverse("reports:edit", args=[report.pk]))
        assert page.status_code == 200
        assert "完成通村道路硬化40公里" in page.content.decode()
        response = client.post(reverse("reports:edit", args=[report.pk]), _form(setup))
        assert response.status_code == 302
        upload = SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
        response = client.post(
            reverse("reports:edit", args=[report.pk]),
            {**_form(setup, intent="upload", revision=1), "file": upload},
        )
        assert response.url == reverse("reports:edit", args=[report.pk])
        report.refresh_from_db()
        response = client.post(
            reverse("reports:edit", args=[report.pk]),
            _form(setup, intent="submit", revision=report.revision),
        )
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == "submitted"
        assert Notification.objects.filter(user=world.head).count() == 1
    with clock.frozen("2018-07-20T11:59:59+08:00"):
        client = login(world.head)
        page = client.get(reverse("reports:report", args=[report.pk]))
        assert "确认内容并签字" in page.content.decode()
        response = client.post(
            reverse("reports:sign", args=[report.pk]),
            {"revision": report.revision, "confirm": "1"},
        )
        assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.timeliness) == ("signed", "on_time")
    version = report.current_version
    assert version.attachments.get().name == "照片.png"
    with clock.frozen("2018-07-20T14:00:00+08:00"):
        client = login(world.hq)
        response = client.post(
            reverse("reports:return", args=[report.pk]),
            {"revision": report.revision, "reason": "第2项比例与上周矛盾，请核实"},
        )
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == "returned"
        client = login(world.reporter)
        client.post(reverse("reports:revise", args=[report.pk]), {"revision": report.revision})
        report.refresh_from_db()
        client.post(
            reverse("reports:edit", args=[report.pk]),
            _form(setup, km="13", intent="submit", revision=report.revision),
        )
        report.refresh_from_db()
        client = login(world.head)
        client.post(
            reverse("reports:sign", args=[report.pk]),
            {"revision": report.revision, "confirm": "1"},
        )
        report.refresh_from_db()
        client = login(world.hq)
        client.post(reverse("reports:receive", args=[report.pk]), {"revision": report.revision})
    report.refresh_from_db()
    assert report.status == "received"
    assert report.changed_after_signing is True
    assert report.timeliness == "on_time"
    assert list(report.versions.values_list("number", "status")) == [
        (1, "returned"),
        (2, "received"),
    ]
    assert report.current_version.attachments.get().sha256 == version.attachments.get().sha256
    page = login(world.viewer).get(reverse("reports:report", args=[report.pk]))
    assert "签字后有更改" in page.content.decode()
    page = login(world.viewer).get(reverse("reports:version", args=[version.pk]))
    assert "校验一致" in page.content.decode()


def test_it_keeps_what_was_typed_when_a_value_is_refused(setup, world, login):
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        response = login(world.reporter).post(
            reverse("reports:edit", args=[report.pk]),
            _form(setup, km="abc", progress="已完成5公里"),
        )
    assert response.status_code == 400
    text = response.content.decode()
    assert "「abc」不是数字" in text
    assert "已完成5公里" in text
    assert ReportVersion.objects.count() == 0


def test_it_redirects_an_edit_of_a_signed_report_to_the_revise_button(setup, world, login):
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        actions.save_report(world.reporter, report, values_for(setup), revision=0)
        actions.submit_report(world.reporter, report, revision=1)
        actions.sign_report(world.head, report, revision=2)
        client = login(world.reporter)
        response = client.post(reverse("reports:edit", args=[report.pk]), _form(setup, revision=3))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.revision == 3


def test_it_refuses_an_attachment_of_the_wrong_type(setup, world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        client = login(world.reporter)
        fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf")
        response = client.post(
            reverse("reports:edit", args=[report.pk]),
            {**_form(setup, intent="upload"), "file": fake},
            follow=True,
        )
        exe = SimpleUploadedFile("tool.exe", b"MZ")
        response2 = client.post(
            reverse("reports:edit", args=[report.pk]),
            {**_form(setup, intent="upload", revision=1), "file": exe},
            follow=True,
        )
    assert "文件“scan.pdf”的内容是.exe 文件，此处只接受" in response.content.decode()
    assert "文件“tool.exe”的内容是.exe 文件，此处只接受" in response2.content.decode()
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "expected"),
    [("reporter", 200), ("other_reporter", 404), ("viewer", 403), (None, 302)],
)
def test_it_guards_the_edit_page(setup, world, login, who, expected):
    report = setup.report(world.transport)
    user = getattr(world, who) if who else None
    with clock.frozen(THURSDAY):
        response = login(user).get(reverse("reports:edit", args=[report.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("reporter", 200), ("other_reporter", 404), ("viewer", 200), ("cadre", 404), (None, 302)],
)
def test_it_guards_the_report_page(setup, world, login, who, expected):
    report = setup.report(world.transport)
    user = getattr(world, who) if who else None
    response = login(user).get(reverse("reports:report", args=[report.pk]))
    assert response.status_code == expected


def test_it_shows_a_town_its_own_report_but_not_another_towns(setup, world, login):
    own = setup.report(world.chengguan_unit)
    other = setup.report(world.dongfeng_unit)
    client = login(world.cadre)
    assert client.get(reverse("reports:report", args=[own.pk])).status_code == 200
    assert client.get(reverse("reports:report", args=[other.pk])).status_code == 404


@pytest.mark.parametrize(
    ("who", "name", "expected"),
    [
        ("other_head", "sign", 404),
        ("reporter", "sign", 403),
        ("viewer", "sign", 403),
        (None, "sign", 302),
        ("head", "receive", 403),
        ("viewer", "return", 403),
        ("other_reporter", "submit", 404),
        ("viewer", "revise", 403),
        ("reporter", "exception", 403),
    ],
)
def test_it_guards_every_transition(setup, world, login, who, name, expected):
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        actions.save_report(world.reporter, report, values_for(setup), revision=0)
        actions.submit_report(world.reporter, report, revision=1)
        if name in ("receive", "return", "revise"):
            actions.sign_report(world.head, report, revision=2)
        report.refresh_from_db()
        before = (report.status, report.revision)
        user = getattr(world, who) if who else None
        response = login(user).post(
            reverse(f"reports:{name}", args=[report.pk]),
            {"revision": report.revision, "reason": "x", "exempt": "1"},
        )
    assert response.status_code == expected
    report.refresh_from_db()
    assert (report.status, report.revision) == before


@pytest.mark.parametrize(
    ("who", "expected"),
    [("hq", 200), ("viewer", 200), ("reporter", 200), ("village_cadre", 404), (None, 302)],
)
def test_it_guards_the_period_page(setup, world, login, who, expected):
    user = getattr(world, who) if who else None
    response = login(user).get(reverse("reports:period", args=[setup.period.pk]))
    assert response.status_code == expected


def test_it_lists_only_the_own_units_report_for_a_reporter(setup, world, login):
    response = login(world.reporter).get(reverse("reports:period", args=[setup.period.pk]))
    text = response.content.decode()
    assert "县交通局" in text
    assert "县卫计局" not in text


def test_it_builds_the_face_to_face_agenda_grouped_by_action(setup, world, login):
    with clock.frozen(THURSDAY):
        for reporter, head, unit in [
            (world.reporter, world.head, world.transport),
            (world.town_reporter, world.town_head, world.chengguan_unit),
        ]:
            report = setup.report(unit)
            actions.save_report(reporter, report, values_for(setup), revision=0)
            actions.submit_report(reporter, report, revision=1)
            actions.sign_report(head, report, revision=2)
    response = login(world.hq).get(reverse("reports:agenda", args=[setup.period.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count("资金拨付滞后") == 2
    assert "（13）交通路网提升专项行动" in text
    assert "葛管社" in text
    other = login(world.other_reporter).get(reverse("reports:agenda", args=[setup.period.pk]))
    assert "资金拨付滞后" not in other.content.decode()
    assert login(None).get(reverse("reports:agenda", args=[setup.period.pk])).status_code == 302


@pytest.mark.parametrize("who", ["viewer", "leader", "inspector", "hq"])
def test_the_agenda_shows_only_signed_content(setup, world, login, who):
    transport = setup.report(world.transport)
    town = setup.report(world.chengguan_unit)
    with clock.frozen(THURSDAY):
        actions.save_report(
            world.reporter, transport, values_for(setup, progress="交通局未签字的内容"), revision=0
        )
        actions.submit_report(world.reporter, transport, revision=1)
        town_data = values_for(setup)
        town_data["actions"][0]["problems"] = "城关镇已签字的问题"
        actions.save_report(world.town_reporter, town, town_data, revision=0)
        actions.submit_report(world.town_reporter, town, revision=1)
        actions.sign_report(world.town_head, town, revision=2)
        # A correction submitted but not yet signed: the signed version is what counts.
        actions.revise_report(world.town_reporter, town, revision=3)
        town_data["actions"][0]["problems"] = "城关镇更正后未签字的问题"
        actions.save_report(world.town_reporter, town, town_data, revision=4)
        actions.submit_report(world.town_reporter, town, revision=5)
    response = login(getattr(world, who)).get(reverse("reports:agenda", args=[setup.period.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count("城关镇已签字的问题") == 1
    assert "更正后未签字" not in text
    assert "资金拨付滞后" not in text  # the transport bureau's submitted, unsigned problems
    assert "县交通局" not in text
    with clock.frozen(THURSDAY):
        actions.sign_report(world.head, transport, revision=2)
    text = login(getattr(world, who)).get(reverse("reports:agenda", args=[setup.period.pk]))
    assert text.content.decode().count("资金拨付滞后") == 1


@pytest.mark.parametrize(
    ("who", "expected"), [("hq", 200), ("viewer", 200), ("reporter", 403), (None, 302)]
)
def test_it_guards_the_rates_page(setup, world, login, who, expected):
    user = getattr(world, who) if who else None
    assert login(user).get(reverse("reports:rates")).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("hq", 200), ("viewer", 403), ("head", 404), (None, 302)]
)
def test_it_guards_the_settings_page(setup, world, login, who, expected):
    user = getattr(world, who) if who else None
    response = login(user).get(reverse("reports:settings", args=[setup.campaign.pk]))
    assert response.status_code == expected


def test_it_saves_reminder_times_and_refuses_a_bad_one(setup, world, login):
    client = login(world.hq)
    url = reverse("reports:settings", args=[setup.campaign.pk])
    bad = client.post(
        url,
        {
            "grace_hours": "24",
            "slot_day": ["8", "5"],
            "slot_time": ["17:00", ""],
            "webhook_kind": "wecom",
        },
    )
    assert bad.status_code == 400
    assert "第 1 行提醒时间无效：请选择星期一至星期日，时间如 17:00" in bad.content.decode()
    assert "第 2 行提醒时间不完整：请同时选择星期和填写时间" in bad.content.decode()
    assert bad.context["slot_rows"][:2] == [(8, "17:00"), (5, "")]  # what was typed stays
    ok = client.post(
        url,
        {
            "grace_hours": "24",
            "slot_day": ["4", "5", "5", ""],
            "slot_time": ["17:00", "09:00", "11:00", ""],
            "webhook_kind": "dingtalk",
            "webhook_url": "http://127.0.0.1:9/hook",
            "email_enabled": "1",
        },
    )
    assert ok.status_code == 302
    rule = setup.campaign.reporting_rule
    rule.refresh_from_db()
    assert [str(s) for s in rule.slots.all()] == ["星期四 17:00", "星期五 09:00", "星期五 11:00"]
    page = client.get(url).content.decode()
    assert '<option value="4" selected>星期四</option>' in page
    assert 'name="slot_time" value="17:00"' in page
    assert "截止：每星期五 12:00" in page
    assert rule.grace_minutes == 1440
    setup.period.refresh_from_db()
    assert setup.period.closes_at == setup.period.deadline + __import__("datetime").timedelta(
        days=1
    )


def test_it_shows_home_and_notifications(setup, world, login):
    Notification.objects.create(
        user=world.reporter, at=clock.now(), title="周报提醒", body="请填报"
    )
    client = login(world.reporter)
    home = client.get(reverse("reports:home"))
    assert home.status_code == 200
    assert 'class="rp-badge"' in home.content.decode()
    page = client.get(reverse("reports:notifications"))
    assert "周报提醒" in page.content.decode()
    client.post(reverse("reports:notifications"))
    assert Notification.objects.filter(user=world.reporter, read_at__isnull=True).count() == 0
    assert login(world.viewer).get(reverse("reports:notifications")).status_code == 200
    assert (
        "周报提醒" not in login(world.viewer).get(reverse("reports:notifications")).content.decode()
    )
    assert login(None).get(reverse("reports:home")).status_code == 302
    assert login(world.hq).get(reverse("reports:home")).status_code == 200


def test_it_hides_a_draft_and_its_attachment_from_other_viewers(
    setup, world, login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        actions.save_report(world.reporter, report, values_for(setup), revision=0)
        item = actions.attach(world.reporter, report, SimpleUploadedFile("a.txt", b"hello"))
    assert login(world.hq).get(reverse("reports:attachment", args=[item.pk])).status_code == 404
    assert (
        login(world.reporter).get(reverse("reports:attachment", args=[item.pk])).status_code == 200
    )
    assert (
        login(world.other_reporter).get(reverse("reports:attachment", args=[item.pk])).status_code
        == 404
    )
    page = login(world.hq).get(reverse("reports:report", args=[report.pk])).content.decode()
    assert "资金拨付滞后" not in page


def test_it_counts_unread_notifications_for_the_top_bar(world, rf):
    from django.contrib.auth.models import AnonymousUser

    from tuopin.reports.context import notifications

    Notification.objects.create(user=world.head, at=clock.now(), title="待您签字")
    request = rf.get("/")
    request.user = world.head
    assert notifications(request) == {"unread_notifications": 1}
    request.user = AnonymousUser()
    assert notifications(request) == {"unread_notifications": 0}


def test_it_signs_only_after_the_head_confirms_the_content(setup, world, login):
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        actions.save_report(world.reporter, report, values_for(setup), revision=0)
        actions.submit_report(world.reporter, report, revision=1)
        client = login(world.head)
        page = client.get(reverse("reports:report", args=[report.pk])).content.decode()
        assert 'name="confirm" value="1" required' in page
        response = client.post(
            reverse("reports:sign", args=[report.pk]), {"revision": 2}, follow=True
        )
        assert "未签字：请先勾选“我已核对以上内容”" in response.content.decode()
        report.refresh_from_db()
        assert (report.status, report.revision, report.first_signed_at) == ("submitted", 2, None)
        client.post(reverse("reports:sign", args=[report.pk]), {"revision": 2, "confirm": "1"})
    report.refresh_from_db()
    assert report.status == "signed"


def test_it_saves_the_typed_text_before_uploading_an_attachment(
    setup, world, login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        client = login(world.reporter)
        upload = SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
        response = client.post(
            reverse("reports:edit", args=[report.pk]),
            {**_form(setup, intent="upload", progress="刚打的字，还没保存"), "file": upload},
            follow=True,
        )
    page = response.content.decode()
    assert response.redirect_chain == [(reverse("reports:edit", args=[report.pk]), 302)]
    assert "草稿已保存，已上传附件「照片.png」" in page
    assert "刚打的字，还没保存</textarea>" in page
    report.refresh_from_db()
    assert report.current_version.payload["actions"][0]["progress"] == "刚打的字，还没保存"
    assert [a.name for a in report.current_version.attachments.all()] == ["照片.png"]


def test_it_keeps_the_typed_text_when_an_attachment_is_refused_or_deleted(
    setup, world, login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        client = login(world.reporter)
        exe = SimpleUploadedFile("tool.exe", b"MZ")
        response = client.post(
            reverse("reports:edit", args=[report.pk]),
            {**_form(setup, intent="upload", progress="第一段"), "file": exe},
            follow=True,
        )
        assert "草稿已保存，但附件未处理" in response.content.decode()
        assert "第一段</textarea>" in response.content.decode()
        report.refresh_from_db()
        photo = SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
        actions.attach(world.reporter, report, photo)
        item = report.current_version.attachments.get()
        report.refresh_from_db()
        response = client.post(
            reverse("reports:edit", args=[report.pk]),
            {**_form(setup, revision=report.revision, progress="第二段"), "detach": item.pk},
            follow=True,
        )
    page = response.content.decode()
    assert "草稿已保存，已删除附件" in page
    assert "第二段</textarea>" in page
    report.refresh_from_db()
    assert report.current_version.attachments.count() == 0
    assert report.current_version.payload["actions"][0]["progress"] == "第二段"


def test_it_asks_a_milestone_without_a_numeric_target_for_its_status_only(setup, world, login):
    from tuopin.plan.models import Milestone

    survey = Milestone.objects.create(
        action=setup.roads,
        deadline=setup.road_km.deadline,
        text="完成通村道路现状摸底",
        order=3,
    )
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        page = login(world.reporter).get(reverse("reports:edit", args=[report.pk]))
        html = page.content.decode()
        assert f'name="m{setup.road_km.pk}-value"' in html
        assert f'name="m{survey.pk}-value"' not in html
        assert f'name="m{survey.pk}-status"' in html
        assert html.count("完成情况（此节点无数值目标，请选择进度）") == 1
        form = _form(setup)
        form[f"m{survey.pk}-status"] = "done"
        response = login(world.reporter).post(reverse("reports:edit", args=[report.pk]), form)
    assert response.status_code == 302
    rows = {
        row["milestone"]: row
        for entry in report.versions.latest("number").payload["actions"]
        for row in entry["milestones"]
    }
    assert (rows[survey.pk]["value"], rows[survey.pk]["status"]) == (None, "done")
    assert rows[setup.road_km.pk]["value"] == "12.50"
