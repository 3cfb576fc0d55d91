from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tuopin.org import audit
from tuopin.org.models import AuditEvent, OrgUnit, Role, User
from tuopin.org.testing import internal_names
from tuopin.plan import timeline
from tuopin.plan.actions import record_measurement
from tuopin.plan.models import Action, Campaign, Milestone, PlanDraft
from tuopin.plan.tests.conftest import SEED

NOW = "2018-07-20T10:00:00+08:00"


def _outsider() -> User:
    county = OrgUnit.objects.create(code="610328", name="千阳县", level="county")
    return User.objects.create_user("outsider", password="x", role=Role.VIEWER, scope=county)


@pytest.fixture
def pages(campaign):
    action = campaign.actions.get(number=1)
    milestone = action.milestones.get(order=1)
    return (
        [
            reverse("plan:home"),
            reverse("plan:campaign", args=[campaign.pk]),
            reverse("plan:actions"),
            reverse("plan:action", args=[action.pk]),
            reverse("plan:timeline"),
            reverse("plan:campaign_timeline", args=[campaign.pk]),
            reverse("plan:campaign_actions", args=[campaign.pk]),
            reverse("plan:history", args=[campaign.pk]),
        ],
        action,
        milestone,
    )


def test_it_shows_every_reading_page_to_county_users(pages, world, login, frozen_clock):
    urls, _, _ = pages
    with frozen_clock(NOW):
        for user in (
            world.hq,
            world.viewer,
            world.reporter,
            world.cadre,
            world.village_cadre,
            world.leader,
        ):
            client = login(user)
            for url in urls:
                assert client.get(url).status_code == 200, (user.username, url)


def test_it_hides_the_campaign_from_another_county_and_anonymous(pages, client, login):
    urls, action, _ = pages
    outsider = _outsider()
    client.force_login(outsider)
    for url in [u for u in urls if f"/plan/{action.campaign_id}/" in u]:
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("plan:actions")).status_code == 404
    assert client.get(reverse("plan:timeline")).status_code == 404
    assert client.get(reverse("plan:action", args=[action.pk])).status_code == 404
    assert client.get(reverse("plan:campaign", args=[action.campaign_id])).status_code == 404
    home = client.get(reverse("plan:home"))
    assert home.status_code == 200 and "尚未导入作战计划" in home.content.decode()
    anonymous = login(None)
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/")


def test_the_overview_shows_goals_phases_and_todays_position(campaign, login, world, frozen_clock):
    with frozen_clock(NOW):
        page = login(world.viewer).get(reverse("plan:home")).content.decode()
    assert "18000" in page and "62" in page
    assert "今天 7月20日，处于<b>决战决胜阶段</b>" in page
    assert "第 81 天 / 共 153 天，距结束还有 72 天" in page
    assert 'class="gantt-today"' in page
    assert "修改计划信息" not in page
    assert "周报：每周五 12:00 前，须主要领导签字" in page


def test_the_actions_list_counts_milestones(campaign, login, world, frozen_clock):
    with frozen_clock(NOW):
        response = login(world.hq).get(reverse("plan:actions"))
    rows = {action.number: status for action, status in response.context["rows"]}
    assert len(rows) == 19
    assert rows[3].counts["overdue"] == 1  # 6月底前 轮训 not marked done
    assert rows[3].counts["due"] == 1
    assert str(rows[2]) == "unknown"


def test_the_action_page_lists_milestones_with_statuses(pages, login, world, frozen_clock):
    _, action, _ = pages
    with frozen_clock(NOW):
        response = login(world.reporter).get(reverse("plan:action", args=[action.pk]))
    rows = response.context["rows"]
    assert [(m.order, str(status)) for m, status, _ in rows] == [
        (1, "not_started"),
        (2, "not_started"),
    ]
    assert "修改行动" not in response.content.decode()


def test_the_action_page_says_when_a_date_cannot_be_forecast(campaign, login, world, frozen_clock):
    clinics = campaign.actions.get(number=13).milestones.get()
    for day in ("2018-06-29", "2018-07-06", "2018-07-13"):
        record_measurement(clinics, Decimal(10), at=dt.datetime.fromisoformat(f"{day}T09:00+08:00"))
    with frozen_clock(NOW):
        page = login(world.viewer).get(reverse("plan:action", args=[clinics.action_id]))
    html = page.content.decode()
    assert '<td data-label="预计完成">无法预计</td>' in html
    assert "近3期没有进展，按期完成需每周4.1个，无法预计完成时间" in html


def test_the_timeline_has_a_labelled_row_per_milestone_under_its_action(
    campaign, login, world, frozen_clock
):
    with frozen_clock(NOW):
        response = login(world.viewer).get(reverse("plan:timeline"))
    page = response.content.decode()
    assert page.count('class="marker status-') == 17
    assert page.count('class="gantt-row gantt-item') == 17
    # Ten of the nineteen actions have dated milestones: one heading row each.
    assert page.count('class="gantt-row gantt-group"') == 10
    assert "今天 07月20日" in page and 'class="gantt-today"' in page
    clinics = campaign.actions.get(number=13).milestones.get()
    row = page.split(f'data-milestone="{clinics.pk}"', 1)[1].split("</div>", 1)[0]
    assert '<span class="gantt-text">完成35个标准化卫生室建设</span>' in row
    assert '8月31日前 · <b class="gantt-status">未开始</b>' in row
    # Same deadline, separate rows: (16)'s three 08-31/09-30 milestones each have their own.
    housing = campaign.actions.get(number=16).milestones.order_by("deadline", "order")
    for milestone in housing:
        assert page.count(f'data-milestone="{milestone.pk}"') == 1
    assert "（16）危房改造提质专项行动" in page
    with frozen_clock(NOW):
        page = (
            login(world.viewer).get(reverse("plan:timeline") + "?status=overdue").content.decode()
        )
    assert page.count('class="marker status-overdue') == 2
    assert page.count('class="gantt-row gantt-item') == 2
    assert "共 17 个时间节点，显示 2 个" in page


@pytest.mark.parametrize(
    ("text", "phrase", "short"),
    [
        (
            "8月底前完成35个标准化卫生室建设,按标准配齐相关医疗器械",
            "8月底前",
            "完成35个标准化卫生室建设",
        ),
        ("7月底前,每镇至少建立1个示范点", "7月底前", "每镇至少建立1个示范点"),
        (
            "建立全县农村居民安全住房鉴定数据库,8月底前,完成全县所有农户房屋安全鉴定",
            "8月底前",
            "完成全县所有农户房屋安全鉴定",
        ),
        ("各镇完成验收,9月底前", "9月底前", "各镇完成验收"),
        ("全面完成验收,资料归档", "", "全面完成验收"),
    ],
)
def test_a_milestone_label_is_its_commitment_without_the_date(text, phrase, short):
    assert timeline.short_text(text, phrase) == short


def test_my_work_for_a_unit_and_a_leader(campaign, login, world, frozen_clock):
    with frozen_clock(NOW):
        client = login(world.reporter)
        response = client.get(reverse("plan:mine"), follow=True)
        assert response.context["heading"] == "县交通局的任务"
        assert [a.number for a in response.context["actions"]] == [7, 19]
        # another unit's page is not visible to a unit account
        assert client.get(reverse("plan:unit_work", args=[world.health.pk])).status_code == 404
        response = login(world.leader).get(reverse("plan:mine"), follow=True)
        assert response.context["heading"] == "葛管社包抓的任务"
        assert [a.number for a in response.context["actions"]] == [1, 2]
        response = login(world.hq).get(reverse("plan:mine"))
        assert response.url == reverse("plan:unit_work", args=[world.office.pk])
        response = login(world.viewer).get(reverse("plan:mine"))
        assert response.status_code == 200 and len(response.context["leaders"]) == 10
        assert (
            login(world.hq).get(reverse("plan:unit_work", args=[world.health.pk])).status_code
            == 200
        )


def test_only_hq_edits_an_action_with_history(pages, login, world):
    _, action, _ = pages
    url = reverse("plan:edit_action", args=[action.pk])
    data = {"title": "党建引领行动", "leaders_text": "葛管社", "units_text": "县委办、各镇"}
    for user in (world.viewer, world.reporter, world.cadre, world.leader):
        assert login(user).post(url, data).status_code == 403
    assert login(None).post(url, data).status_code == 302
    action.refresh_from_db()
    assert action.title == "党建引领专项行动"
    response = login(world.hq).post(url, data)
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.title == "党建引领行动"
    assert {u.name for u in action.units.all()} == {"东风镇", "城关镇", "县委办"}
    event = AuditEvent.objects.get(model="plan.action")
    assert event.changes["title"] == ["党建引领专项行动", "党建引领行动"]
    history = (
        login(world.hq).get(reverse("plan:history", args=[action.campaign_id])).content.decode()
    )
    assert "党建引领专项行动 → 党建引领行动" in history


def test_an_unknown_unit_in_an_edit_is_refused(pages, login, world):
    _, action, _ = pages
    response = login(world.hq).post(
        reverse("plan:edit_action", args=[action.pk]),
        {"title": "x", "leaders_text": "", "units_text": "县不存在局"},
    )
    assert response.status_code == 400
    assert "找不到责任单位“县不存在局”" in response.content.decode()
    action.refresh_from_db()
    assert action.title == "党建引领专项行动"


def test_only_hq_edits_a_milestone_and_the_campaign(pages, login, world):
    _, action, milestone = pages
    url = reverse("plan:edit_milestone", args=[milestone.pk])
    data = {
        "deadline": "2018-08-15T18:00",
        "text": milestone.text,
        "target_value": "2",
        "target_unit": "个",
        "comparator": "at_least",
        "per": "town",
    }
    assert login(world.viewer).post(url, data).status_code == 403
    assert login(world.hq).post(url, data).status_code == 302
    milestone.refresh_from_db()
    assert milestone.deadline.isoformat() == "2018-08-15T10:00:00+00:00"
    assert str(milestone.target_value) == "2.00"
    campaign_url = reverse("plan:edit_campaign", args=[action.campaign_id])
    campaign_data = {
        "title": "新标题",
        "issuer": "陇县",
        "issued_on": "2018-06-12",
        "reporting_weekday": "4",
        "reporting_time": "17:00",
        "reporting_sign_off": "on",
        "is_active": "on",
    }
    assert login(world.town_head).post(campaign_url, campaign_data).status_code == 403
    assert login(world.hq).post(campaign_url, campaign_data).status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.title, campaign.reporting_weekday, campaign.reporting_time) == (
        "新标题",
        4,
        dt.time(17, 0),
    )


def _seed_docx() -> bytes:
    document = docx.Document()
    for line in SEED.read_text(encoding="utf-8").split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_upload_review_correct_and_confirm(seed_units, login, world):
    client = login(world.hq)
    upload = SimpleUploadedFile("百日冲刺方案.docx", _seed_docx())
    response = client.post(reverse("plan:upload"), {"document": upload})
    draft = PlanDraft.objects.get()
    assert response.url == reverse("plan:review", args=[draft.pk])
    page = client.get(response.url).content.decode()
    assert '<mark class="k-deadline">7月底前</mark>' in page
    assert '<mark class="k-leader">责任领导:赵 强</mark>' in page
    assert 'name="action-18-leaders" value="分管交通运输副县长"' in page
    post = {
        "title": "陇县百日冲刺方案（核对后）",
        "issuer": "陇县脱贫攻坚领导小组办公室",
        "issued_on": "2018-06-11",
        "reporting-weekday": "5",
        "reporting-time": "12:00",
        "reporting-sign_off": "1",
        "phase-0-name": "决战决胜阶段",
        "phase-0-start": "2018-05-01",
        "phase-0-end": "2018-08-31",
        "phase-1-name": "任务清零阶段",
        "phase-1-start": "2018-09-01",
        "phase-1-end": "2018-09-30",
        "action-0-title": "党建引领专项行动",
        "action-0-leaders": "葛管社",
        "action-0-units": "县委办、县委组织部、各镇",
        "ms-0-0-deadline": "2018-07-25",
        "ms-0-0-value": "2",
        "ms-0-0-unit": "个",
        "ms-0-0-comparator": "at_least",
        "ms-0-0-per": "town",
        "ms-0-1-deadline": "2018-09-30",
        "ms-0-1-drop": "1",
        "confirm": "1",
    }
    response = client.post(reverse("plan:review", args=[draft.pk]), post)
    campaign = Campaign.objects.get()
    assert response.url == reverse("plan:campaign", args=[campaign.pk])
    assert campaign.title == "陇县百日冲刺方案（核对后）"
    first = campaign.actions.get(number=1)
    assert list(first.milestones.values_list("target_value", "per")) == [(2, "town")]
    assert first.milestones.get().deadline.date().isoformat() == "2018-07-25"
    assert Milestone.objects.filter(action__campaign=campaign).count() == 16
    draft.refresh_from_db()
    assert draft.campaign == campaign


def test_review_refuses_bad_corrections_and_unknown_units(world, login):
    client = login(world.hq)
    client.post(
        reverse("plan:upload"), {"document": SimpleUploadedFile("a.txt", SEED.read_bytes())}
    )
    draft = PlanDraft.objects.get()
    response = client.post(
        reverse("plan:review", args=[draft.pk]),
        {
            "title": "x",
            "phase-0-name": "决战",
            "phase-0-start": "2018-13-01",
            "phase-0-end": "2018-08-31",
        },
    )
    assert response.status_code == 400
    assert "阶段“决战”开始：日期“2018-13-01”格式不对，应为 2018-07-31" in response.content.decode()
    response = client.post(reverse("plan:review", args=[draft.pk]), {"confirm": "1"})
    assert response.status_code == 400
    assert "找不到责任单位“县委办、县委组织部”" in response.content.decode()
    assert Campaign.objects.count() == 0
    response = client.post(
        reverse("plan:review", args=[draft.pk]), {"confirm": "1", "allow_unresolved": "1"}
    )
    assert response.status_code == 302
    assert (
        Campaign.objects.get()
        .parse_warnings[0]
        .startswith("行动（1）党建引领专项行动：找不到责任单位")
    )


def test_upload_is_hq_only_and_bad_files_are_refused(world, login):
    url = reverse("plan:upload")
    for user in (world.viewer, world.reporter, world.cadre):
        assert login(user).get(url).status_code == 403
    assert login(None).get(url).status_code == 302
    client = login(world.hq)
    for name, data, message in [
        ("a.docx", b"not a docx", "文件“a.docx”的内容是文本文件，此处只接受"),
        ("a.txt", b"", "文件为空"),
        ("a.txt", "会议通知\n请准时参加。".encode(), "未识别到方案结构"),
        ("a.pdf", b"%PDF", "只能上传 .txt 或 .docx 文件"),
    ]:
        response = client.post(url, {"document": SimpleUploadedFile(name, data)})
        assert response.status_code == 400
        assert message in response.content.decode(), name
    assert PlanDraft.objects.count() == 0


def test_review_of_another_county_is_hidden(world, login):
    client = login(world.hq)
    client.post(
        reverse("plan:upload"), {"document": SimpleUploadedFile("a.txt", SEED.read_bytes())}
    )
    draft = PlanDraft.objects.get()
    outsider = _outsider()
    outsider.role = Role.HQ_ADMIN
    outsider.save()
    client.force_login(outsider)
    assert client.get(reverse("plan:review", args=[draft.pk])).status_code == 404
    assert login(world.viewer).get(reverse("plan:review", args=[draft.pk])).status_code == 403
    assert Action.objects.count() == 0


def test_history_names_fields_and_milestones_in_chinese(pages, login, world, frozen_clock):
    _, action, milestone = pages
    campaign = action.campaign
    audit.record(campaign, {"issued_on": ["2018-06-11", None]}, actor=world.hq, action="修改")
    audit.record(milestone, {"comparator": ["", "at_least"]}, actor=world.hq, action="修改")
    with frozen_clock(NOW):
        history = login(world.hq).get(reverse("plan:history", args=[campaign.pk])).content.decode()
        action_page = login(world.hq).get(reverse("plan:action", args=[action.pk])).content.decode()
    assert "印发日期：2018-06-11 → （空）" in history
    assert (
        f"比较方式：（空） → {Milestone(comparator='at_least').get_comparator_display()}" in history
    )
    assert "行动（1）节点1" in action_page
    assert internal_names(history) == []
    assert internal_names(action_page) == []
