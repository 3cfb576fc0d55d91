"""A revised plan loads as the next revision of the same campaign, keeping its history."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tuopin.lib import clock, planparse
from tuopin.org.models import AuditEvent, OrgUnit, Role, User
from tuopin.plan import actions as plan_actions
from tuopin.plan import progress
from tuopin.plan.models import Action, Campaign, Measurement, Milestone, PlanDraft
from tuopin.plan.tests.conftest import SEED
from tuopin.reports.models import Period

NOW = "2018-07-20T10:00:00+08:00"

# One deadline moved, one milestone added, one dropped, one action retitled.
EDITS = [
    ("7月底前,每镇至少建立1个", "8月15日前,每镇至少建立1个"),
    ("增加工资性收入。", "增加工资性收入。8月底前,全县开发公益性岗位200个。"),
    ("7月底前,对各镇扶志扶智工作进行一次验收,确保扶志扶智工作取得实效。", ""),
    ("(二)领导力量强化专项行动。", "(二)指挥调度强化专项行动。"),
]

EXPECTED_LINES = [
    "修改 行动（1）党建引领专项行动 时间节点“8月15日前,每镇至少建立1个“基层党组织+”脱贫攻坚工作…”："
    "截止日期：2018年7月31日 → 2018年8月15日；"
    "原文：7月底前,每镇至少建立1个“基层党组织+”脱贫攻坚工作示范点"
    " → 8月15日前,每镇至少建立1个“基层党组织+”脱贫攻坚工作示范点",
    "修改 行动（2）指挥调度强化专项行动：名称：领导力量强化专项行动 → 指挥调度强化专项行动",
    "新增 行动（4）就业创业扩面提效专项行动 时间节点“8月底前,全县开发公益性岗位200个”（2018年8月31日）",
    "撤销 行动（9）推进扶志扶智教育专项行动 时间节点“7月底前,对各镇扶志扶智工作进行一次验收,确保扶志扶智工作…”（2018年7月31日）",
]


def revised_text() -> str:
    text = SEED.read_text(encoding="utf-8")
    for old, new in EDITS:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _measure(campaign: Campaign, world) -> dict[str, Milestone]:
    """Values on the milestone that moves, one that stays, and the one that is dropped."""
    moved = campaign.actions.get(number=1).milestones.get(order=1)
    kept = campaign.actions.get(number=13).milestones.get(order=1)
    dropped = campaign.actions.get(number=9).milestones.get(order=1)
    with clock.frozen("2018-07-13T12:00:00+08:00"):
        plan_actions.record_measurement(moved, Decimal("1"), unit=world.chengguan_unit)
        plan_actions.record_measurement(kept, Decimal("10"))
        plan_actions.record_measurement(dropped, Decimal("1"))
    with clock.frozen("2018-07-19T12:00:00+08:00"):
        plan_actions.record_measurement(kept, Decimal("14"))
    return {"moved": moved, "kept": kept, "dropped": dropped}


def _snapshot() -> dict[str, list]:
    return {
        "campaigns": list(Campaign.objects.values_list("pk", "title", "revision", "source_text")),
        "actions": list(Action.all_objects.values_list("pk", "number", "title", "withdrawn_at")),
        "milestones": list(
            Milestone.all_objects.values_list("pk", "action_id", "deadline", "text", "withdrawn_at")
        ),
        "measurements": list(Measurement.objects.values_list("pk", "milestone_id", "value")),
        "audit": AuditEvent.objects.count(),
    }


def test_it_revises_the_same_campaign_and_keeps_the_measurements(
    campaign, seed_units, frozen_clock
):
    world = seed_units
    measured = _measure(campaign, world)
    period = Period.objects.create(
        campaign=campaign,
        number=6,
        opens_at="2018-07-13T12:00:00+08:00",
        deadline="2018-07-20T12:00:00+08:00",
        closes_at="2018-07-22T12:00:00+08:00",
    )
    milestones_before = Milestone.objects.filter(action__campaign=campaign).count()
    with frozen_clock(NOW):
        before = progress.milestone_statuses(campaign)
        result = plan_actions.revise_campaign(
            campaign, planparse.parse(revised_text()), source_name="修订稿.txt"
        )
        after = progress.milestone_statuses(campaign)

    assert result.campaign.pk == campaign.pk
    assert Campaign.objects.count() == 1
    campaign.refresh_from_db()
    assert (campaign.revision, campaign.source_name) == (2, "修订稿.txt")
    assert result.diff.lines() == EXPECTED_LINES
    counts = result.diff.counts()
    assert (counts["actions"]["changed"], counts["actions"]["added"]) == (4, 0)
    assert counts["actions"]["dropped"] == 0
    assert (counts["milestones"]["added"], counts["milestones"]["changed"]) == (1, 1)
    assert counts["milestones"]["dropped"] == 1

    moved = Milestone.objects.get(pk=measured["moved"].pk)
    assert clock.local(moved.deadline).date().isoformat() == "2018-08-15"
    assert moved.text.startswith("8月15日前")
    assert list(moved.measurements.values_list("value", flat=True)) == [Decimal("1")]
    kept = Milestone.objects.get(pk=measured["kept"].pk)
    assert list(kept.measurements.values_list("value", flat=True)) == [Decimal("10"), Decimal("14")]
    # The dropped milestone is withdrawn, not deleted: its value stays as history.
    assert not Milestone.objects.filter(pk=measured["dropped"].pk).exists()
    dropped = Milestone.all_objects.get(pk=measured["dropped"].pk)
    assert dropped.withdrawn_at == dt.datetime.fromisoformat(NOW)
    assert Measurement.objects.get(milestone=dropped).value == Decimal("1")
    assert campaign.actions.get(number=9).milestones.count() == 0
    added = campaign.actions.get(number=4).milestones.get()
    assert (added.target_value, added.target_unit, added.metric_key) == (200, "个", "plan.4.1")
    assert campaign.actions.get(number=2).title == "指挥调度强化专项行动"
    assert Milestone.objects.filter(action__campaign=campaign).count() == milestones_before
    assert period.campaign_id == campaign.pk and Period.objects.get().campaign_id == campaign.pk
    # Progress carries on: the measured milestone that stayed keeps its status and value.
    assert after[kept.pk] == before[kept.pk] and after[kept.pk].current == Decimal("14")
    assert sum(s == "done" for s in after.values()) == sum(s == "done" for s in before.values())

    summary = AuditEvent.objects.get(model="plan.campaign", action="修订作战计划")
    assert summary.changes == {
        "修订版次": [1, 2],
        "修改专项行动": [None, 4],
        "新增时间节点": [None, 1],
        "修改时间节点": [None, 1],
        "撤销时间节点": [None, 1],
    }
    assert AuditEvent.objects.get(
        model="plan.action", object_id=str(campaign.actions.get(number=2).pk)
    ).changes == {"名称": ["领导力量强化专项行动", "指挥调度强化专项行动"]}
    assert AuditEvent.objects.filter(
        model="plan.milestone", object_id=str(dropped.pk), action="修订时撤销时间节点"
    ).exists()


def test_it_maps_milestones_when_numbering_shifts(campaign, seed_units):
    """An action inserted before others renumbers them; they still match by their wording."""
    measured = _measure(campaign, seed_units)
    text = revised_text().replace(
        "(二)指挥调度强化专项行动。",
        "(二)作风建设专项行动。严格落实作风建设要求,7月底前完成作风问题排查。\n"
        "责任领导:葛管社\n责任单位:县委办、各镇\n(三)领导力量强化专项行动。",
    )
    # Renumber every later heading by one: (三)→(四) … (十九)→(二十).
    numerals = "一二三四五六七八九十"
    labels = [f"({n})" for n in numerals] + [f"(十{n})" for n in numerals[:9]] + ["(二十)"]
    head, tail = text.split("(三)领导力量强化专项行动。")
    for index in range(18, 1, -1):
        tail = tail.replace(f"\n{labels[index]}", f"\n{labels[index + 1]}", 1)
    text = head + "(三)领导力量强化专项行动。" + tail
    result = plan_actions.revise_campaign(campaign, planparse.parse(text))
    counts = result.diff.counts()
    assert counts["actions"]["added"] == 1 and counts["actions"]["dropped"] == 0
    kept = Milestone.objects.get(pk=measured["kept"].pk)
    assert kept.action.number == 14 and kept.action.title == "实施健康扶贫专项行动"
    assert kept.metric_key == "plan.14.1"  # a reported milestone's key follows its number
    assert kept.measurements.count() == 2
    assert campaign.actions.get(number=2).title == "作风建设专项行动"
    assert campaign.actions.get(number=3).title == "领导力量强化专项行动"
    health = next(a for a in result.diff.actions if a.number == 14)
    assert health.matched_by == "名称相同" and health.changes[0].label == "序号"
    assert Campaign.objects.get().actions.count() == 20


def test_a_refused_revision_changes_nothing(campaign, seed_units):
    _measure(campaign, seed_units)
    before = _snapshot()
    text = revised_text().replace("责任单位:县委办、县委组织部、各镇", "责任单位:县委办、县星际局")
    with pytest.raises(plan_actions.LoadRefused) as refused:
        plan_actions.revise_campaign(campaign, planparse.parse(text))
    assert refused.value.errors == [
        "行动（1）党建引领专项行动：找不到责任单位“县星际局”（请先在组织机构中添加该单位或别名，或改正单位名称）"
    ]
    assert _snapshot() == before


def test_a_failed_write_rolls_the_whole_revision_back(campaign, seed_units, monkeypatch):
    _measure(campaign, seed_units)
    before = _snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(plan_actions, "_create_goals_and_phases", broken)
    with pytest.raises(RuntimeError):
        plan_actions.revise_campaign(campaign, planparse.parse(revised_text()))
    assert _snapshot() == before


# ------------------------------------------------------------------ review page


def _upload_revision(client) -> PlanDraft:
    upload = SimpleUploadedFile("百日冲刺方案（修订稿）.txt", revised_text().encode())
    response = client.post(reverse("plan:upload"), {"document": upload})
    draft = PlanDraft.objects.latest("pk")
    assert response.url == reverse("plan:review", args=[draft.pk])
    return draft


def test_the_review_page_shows_the_diff_and_confirm_revises(
    campaign, seed_units, login, frozen_clock
):
    world = seed_units
    measured = _measure(campaign, world)
    client = login(world.hq)
    with frozen_clock(NOW):
        draft = _upload_revision(client)
        assert draft.revises == campaign
        before = _snapshot()
        page = client.get(reverse("plan:review", args=[draft.pk])).content.decode()
        assert _snapshot() == before
        for text in [
            "与“陇县脱贫“摘帽”百日冲刺工作方案”当前版本（第1版）的对比",
            "确认后该作战计划更新为第2版",
            "专项行动：新增 0、修改 4、撤销 0、不变 15",
            "时间节点：新增 1、修改 1、撤销 1、不变 15",
            "截止日期：2018年7月31日 → <b>2018年8月15日</b>",
            "名称：领导力量强化专项行动 → <b>指挥调度强化专项行动</b>",
            "原第1个节点（序号相同），1个进展数值保留",
            "撤销，1个进展数值作为历史保留",
            "原行动（2）领导力量强化专项行动（序号相同）",
            "“陇县脱贫“摘帽”百日冲刺工作方案”的修订版（现为第1版）",
            "确认修订",
            "时间节点有变化（见下）",
        ]:
            assert text in page, text
        for internal in ("deadline", "withdrawn", "metric_key", "same", "changed", "dropped<"):
            assert f">{internal}" not in page and f"{internal}：" not in page
        response = client.post(
            reverse("plan:review", args=[draft.pk]), {"revises": str(campaign.pk), "confirm": "1"}
        )
    assert response.url == reverse("plan:campaign", args=[campaign.pk])
    assert Campaign.objects.get().revision == 2
    assert Milestone.objects.get(pk=measured["moved"].pk).measurements.count() == 1
    draft.refresh_from_db()
    assert draft.campaign == campaign
    message = client.get(response.url).content.decode()
    assert "已将“陇县脱贫“摘帽”百日冲刺工作方案”更新为第2版：专项行动修改4个" in message


def test_the_reviewer_may_load_a_same_titled_plan_as_a_new_campaign(campaign, seed_units, login):
    client = login(seed_units.hq)
    draft = _upload_revision(client)
    response = client.post(reverse("plan:review", args=[draft.pk]), {"revises": "", "save": "1"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.revises is None
    assert "与“" not in client.get(response.url).content.decode()
    response = client.post(
        reverse("plan:review", args=[draft.pk]), {"revises": "999999", "confirm": "1"}
    )
    assert response.status_code == 400
    assert "所选的作战计划不存在" in response.content.decode()
    assert Campaign.objects.count() == 1
    client.post(reverse("plan:review", args=[draft.pk]), {"revises": "", "confirm": "1"})
    assert Campaign.objects.count() == 2
    assert Campaign.objects.get(pk=campaign.pk).is_active is False


def test_only_hq_may_review_or_confirm_a_revision(campaign, seed_units, login):
    world = seed_units
    draft = _upload_revision(login(world.hq))
    url = reverse("plan:review", args=[draft.pk])
    before = _snapshot()
    # County roles see the draft but may not change the plan; a town or a unit does not see it.
    for user, status in (
        (world.viewer, 403),
        (world.leader, 403),
        (world.cadre, 404),
        (world.reporter, 404),
    ):
        client = login(user)
        assert client.get(url).status_code == status, user.username
        post = {"revises": str(campaign.pk), "confirm": "1"}
        assert client.post(url, post).status_code == status
    county = OrgUnit.objects.create(code="610328", name="千阳县", level="county")
    outsider = User.objects.create_user(
        "outsider_hq", password="x", role=Role.HQ_ADMIN, scope=county
    )
    client = login(None)
    assert client.post(url, {"confirm": "1"}).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"revises": str(campaign.pk), "confirm": "1"}).status_code == 404
    assert _snapshot() == before
    draft.refresh_from_db()
    assert draft.campaign is None


def test_the_history_page_keeps_withdrawn_milestones(campaign, seed_units, login):
    plan_actions.revise_campaign(campaign, planparse.parse(revised_text()))
    page = login(seed_units.hq).get(reverse("plan:history", args=[campaign.pk])).content.decode()
    assert "修订时撤销时间节点" in page
    assert "修订时新增时间节点" in page


# ------------------------------------------------------------------ command


def test_the_load_command_detects_the_campaign_and_prints_the_diff(campaign, seed_units, tmp_path):
    path = tmp_path / "修订稿.txt"
    path.write_text(revised_text(), encoding="utf-8")
    out = io.StringIO()
    call_command("plan_load", str(path), county="610327", dry_run=True, stdout=out)
    assert out.getvalue().splitlines()[1:] == [f"  {line}" for line in EXPECTED_LINES]
    assert Campaign.objects.get().revision == 1
    out = io.StringIO()
    call_command("plan_load", str(path), county="610327", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        f"已将作战计划“陇县脱贫“摘帽”百日冲刺工作方案”（编号 {campaign.pk}）更新为第2版："
    )
    assert lines[1 : 1 + len(EXPECTED_LINES)] == [f"  {line}" for line in EXPECTED_LINES]
    assert Campaign.objects.get().revision == 2
    out = io.StringIO()
    call_command("plan_load", str(path), campaign=campaign.pk, stdout=out)
    assert out.getvalue().splitlines()[1] == "  没有变化"
    assert Campaign.objects.get().revision == 3
    call_command("plan_load", str(path), new=True, stdout=io.StringIO())
    assert Campaign.objects.count() == 2


def test_the_load_command_refuses_a_bad_campaign_and_changes_nothing(
    campaign, seed_units, tmp_path
):
    path = tmp_path / "修订稿.txt"
    path.write_text(
        revised_text().replace("县委组织部、各镇", "县星际局、各镇", 1), encoding="utf-8"
    )
    before = _snapshot()
    with pytest.raises(CommandError, match="本县没有编号为 999 的作战计划"):
        call_command("plan_load", str(path), campaign=999)
    with pytest.raises(CommandError, match="找不到责任单位“县星际局”"):
        call_command("plan_load", str(path))
    with pytest.raises(CommandError, match="找不到责任单位“县星际局”"):
        call_command("plan_load", str(path), dry_run=True)
    assert _snapshot() == before


def test_dashboard_and_bulletin_follow_the_revised_campaign(
    campaign, seed_units, login, frozen_clock
):
    from tuopin.bulletin.compose import compose

    measured = _measure(campaign, seed_units)
    with frozen_clock(NOW):
        plan_actions.revise_campaign(campaign, planparse.parse(revised_text()))
        snapshot = compose(Campaign.objects.get(), "2018-W29")
        client = login(seed_units.hq)
        for url in ("/dashboard/", "/dashboard/milestones/", "/plan/", "/plan/timeline/"):
            assert client.get(url).status_code == 200, url
        assert "第2版（<a href=" in client.get("/plan/").content.decode()
        assert [c["revision"] for c in client.get("/api/plan/campaigns").json()] == [2]
        dropped = client.get(f"/dashboard/milestones/{measured['dropped'].pk}/")
        moved = client.get(f"/dashboard/milestones/{measured['moved'].pk}/")
    in_bulletin = {m["id"]: m for a in snapshot["actions"] for m in a["milestones"]}
    assert set(in_bulletin) == set(
        Milestone.objects.filter(action__campaign=campaign).values_list("pk", flat=True)
    )
    assert measured["dropped"].pk not in in_bulletin
    assert in_bulletin[measured["moved"].pk]["deadline"].startswith("2018-08-15")
    titles = [a["title"] for a in snapshot["actions"]]
    assert "指挥调度强化专项行动" in titles[1]
    assert dropped.status_code == 404
    assert moved.status_code == 200


def test_a_dropped_action_is_withdrawn_with_its_milestones(campaign, seed_units):
    text = SEED.read_text(encoding="utf-8")
    start = text.index("(十九)村组道路畅通专项行动")
    end = text.index("三、阶段安排")
    roads = campaign.actions.get(number=19)
    road_milestones = list(roads.milestones.values_list("pk", flat=True))
    result = plan_actions.revise_campaign(campaign, planparse.parse(text[:start] + text[end:]))
    assert result.diff.lines() == ["撤销 行动（19）村组道路畅通专项行动"]
    assert campaign.actions.count() == 18
    assert Action.all_objects.get(pk=roads.pk).withdrawn_at is not None
    assert set(
        Milestone.all_objects.filter(withdrawn_at__isnull=False).values_list("pk", flat=True)
    ) == set(road_milestones)
    # Loading the original again brings action 19 back as a new action beside the withdrawn one.
    again = plan_actions.revise_campaign(campaign, planparse.parse(text))
    assert again.diff.lines() == ["新增 行动（19）村组道路畅通专项行动"]
    assert campaign.actions.get(number=19).pk != roads.pk
    assert Campaign.objects.get().revision == 3


# ------------------------------------------------------------------ HQ's own work survives


def _hq_work(campaign, world) -> dict:
    """What HQ does on the web after loading: adds a milestone, splits 18.1 (binding a part),
    binds the clinics milestone with town targets and a tolerance, binds a goal."""
    from tuopin.plan import indicators

    hq = world.hq
    added = indicators.add_milestone(
        campaign.actions.get(number=4),
        {
            "deadline": dt.datetime.fromisoformat("2018-09-30T18:00:00+08:00"),
            "text": "9月底前，全县新开发公益性岗位300个",
            "target_value": Decimal(300),
            "target_unit": "个",
            "comparator": "at_least",
            "per": "total",
        },
        actor=hq,
    )
    bundle = campaign.actions.get(number=18).milestones.get(order=1)
    parts = indicators.split_milestone(
        bundle,
        [
            {
                "text": "生活用电农户比例达到100%",
                "target_value": Decimal(100),
                "target_unit": "%",
                "comparator": "all",
                "metric_source": "computed",
                "metric_key": "registry.household_electricity_rate",
            },
            {"text": "30户以上自然村通动力电", "target_value": None},
            {"text": "完成农村电网改造升级", "target_value": None},
        ],
        actor=hq,
    )
    clinics = campaign.actions.get(number=13).milestones.get(order=1)
    plan_actions.update_milestone(
        clinics,
        {
            "metric_source": "both",
            "metric_key": "assess.villages_ready",
            "tolerance": Decimal(3),
        },
        actor=hq,
    )
    indicators.set_targets(
        clinics,
        {world.chengguan: Decimal(20), world.dongfeng: Decimal(15)},
        actor=hq,
    )
    goal = campaign.goals.get(unit="村")
    indicators.bind_goal(goal, "assess.villages_ready", actor=hq)
    with clock.frozen("2018-07-13T12:00:00+08:00"):
        plan_actions.record_measurement(added, Decimal(120), unit=world.chengguan_unit)
        plan_actions.record_measurement(parts[1], Decimal(80))
    return {"added": added, "bundle": bundle, "parts": parts, "clinics": clinics, "goal": goal}


def _assert_hq_work_kept(campaign, work, *, targets=True) -> None:
    added = Milestone.objects.get(pk=work["added"].pk)
    assert (added.origin, added.text, added.target_value) == ("added", work["added"].text, 300)
    assert list(added.measurements.values_list("value", flat=True)) == [Decimal(120)]
    parts = list(Milestone.objects.filter(pk__in=[p.pk for p in work["parts"]]).order_by("order"))
    assert [p.text for p in parts] == [p.text for p in work["parts"]]
    assert {(p.origin, p.split_from_id) for p in parts} == {("split", work["bundle"].pk)}
    assert (parts[0].metric_source, parts[0].metric_key) == (
        "computed",
        "registry.household_electricity_rate",
    )
    assert list(parts[1].measurements.values_list("value", flat=True)) == [Decimal(80)]
    # The bundled clause is not back: it stays withdrawn, and no milestone has its wording.
    assert Milestone.all_objects.get(pk=work["bundle"].pk).withdrawn_at is not None
    electricity = campaign.actions.get(number=18).milestones.all()
    assert not [m for m in electricity if "全面完成农村电网改造升级" in m.text]
    clinics = Milestone.objects.get(pk=work["clinics"].pk)
    assert (clinics.metric_source, clinics.metric_key, clinics.tolerance) == (
        "both",
        "assess.villages_ready",
        Decimal(3),
    )
    expected = {("城关镇", Decimal(20)), ("东风镇", Decimal(15))} if targets else set()
    assert set(clinics.targets.values_list("area__name", "value")) == expected
    goal = campaign.goals.get(unit="村")
    assert (goal.pk, goal.metric_key) == (work["goal"].pk, "assess.villages_ready")


def test_a_revision_with_the_same_document_keeps_hqs_milestones_and_bindings(
    campaign, seed_units, login, frozen_clock
):
    world = seed_units
    work = _hq_work(campaign, world)
    in_force = Milestone.objects.filter(action__campaign=campaign).count()
    client = login(world.hq)
    with frozen_clock(NOW):
        upload = SimpleUploadedFile("百日冲刺方案（修订稿）.txt", SEED.read_bytes())
        client.post(reverse("plan:upload"), {"document": upload})
        draft = PlanDraft.objects.latest("pk")
        before = _snapshot()
        targets_before = list(work["clinics"].targets.values_list("pk", "value"))
        page = client.get(reverse("plan:review", args=[draft.pk])).content.decode()
        assert _snapshot() == before  # nothing written before confirm
        assert list(work["clinics"].targets.values_list("pk", "value")) == targets_before
        for text in [
            "新版本与当前版本没有差别。",
            "指挥部在系统中添加的 4 个节点保留，已拆分的 1 条原文条款不重新添加",
            "保留（指挥部在系统中添加），1个进展数值保留",
            "保留（指挥部在系统中添加）：拆分自原文条款",
            "指挥部已在系统中拆分为3个节点，不重新添加",
            "保留指标绑定“填报并计算：达到退出标准的贫困村数”",
            "保留分解目标（城关镇 20、东风镇 15）",
            "保留核对容差 3",
            "保留：62个",
        ]:
            assert text in page, text
        assert "撤销</td>" not in page
        response = client.post(
            reverse("plan:review", args=[draft.pk]), {"revises": str(campaign.pk), "confirm": "1"}
        )
    assert response.url == reverse("plan:campaign", args=[campaign.pk])
    campaign.refresh_from_db()
    assert campaign.revision == 2
    _assert_hq_work_kept(campaign, work)
    assert Milestone.objects.filter(action__campaign=campaign).count() == in_force
    action_page = client.get(reverse("plan:action", args=[work["added"].action_id])).content
    assert "指挥部在系统中添加" in action_page.decode()
    withdrawn = Milestone.all_objects.filter(action__campaign=campaign, withdrawn_at__isnull=False)
    assert list(withdrawn.values_list("pk", flat=True)) == [work["bundle"].pk]


CHANGED = [
    ("8月底前完成35个标准化卫生室建设", "8月底前完成40个标准化卫生室建设"),
    ("9月底以前,全面完成农村电网改造升级", "8月底以前,全面完成农村电网改造升级"),
]


def _changed_text() -> str:
    text = SEED.read_text(encoding="utf-8")
    for old, new in CHANGED:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def test_a_revision_that_changes_a_target_lists_what_happens_to_the_binding(
    campaign, seed_units, tmp_path
):
    world = seed_units
    work = _hq_work(campaign, world)
    path = tmp_path / "修订稿.txt"
    path.write_text(_changed_text(), encoding="utf-8")
    before = _snapshot()
    out = io.StringIO()
    call_command("plan_load", str(path), county="610327", dry_run=True, stdout=out)
    assert _snapshot() == before
    dry = out.getvalue().splitlines()[1:]
    out = io.StringIO()
    call_command("plan_load", str(path), county="610327", stdout=out)
    printed = out.getvalue().splitlines()[1:]
    assert printed[: len(dry)] == dry
    text = "\n".join(printed)
    assert (
        "修改 行动（13）实施健康扶贫专项行动 时间节点“8月底前完成40个标准化卫生室建设,按标准配齐…”："
        "目标：至少 35个 → 至少 40个" in text
    ) or "目标：达到 35个 → 达到 40个" in text, text
    assert "分解目标：城关镇 20、东风镇 15 → 清除（请按新目标重新分解）" in text
    assert "保留 行动（13）实施健康扶贫专项行动 时间节点“8月底前完成40个" in text
    assert (
        "指标绑定“填报并计算：达到退出标准的贫困村数”（目标有变化，绑定仍适用）；核对容差 3" in text
    )
    assert "（指挥部已在系统中拆分为3个节点，不重新添加：" in text
    assert "分项未随之修改，请核对）：截止日期：2018年9月30日 → 2018年8月31日" in text
    assert (
        "保留（指挥部在系统中添加） 行动（4）就业创业扩面提效专项行动 时间节点“9月底前，全县新开发公益性岗位300个”"
        in text
    )
    assert "保留 目标任务“62个" in text and "的指标绑定：达到退出标准的贫困村数" in text
    campaign.refresh_from_db()
    assert campaign.revision == 2
    _assert_hq_work_kept(campaign, work, targets=False)
    clinics = Milestone.objects.get(pk=work["clinics"].pk)
    assert clinics.target_value == 40
    bundle = Milestone.all_objects.get(pk=work["bundle"].pk)
    assert clock.local(bundle.deadline).date() == dt.date(2018, 8, 31)
    # The parts keep HQ's deadline: the review asked HQ to check them.
    assert {clock.local(p.deadline).date() for p in work["parts"]} == {dt.date(2018, 9, 30)}
    assert AuditEvent.objects.filter(action="修订已拆分的原文条款").exists()


def test_hq_milestones_whose_clause_is_gone_stay_and_a_matching_clause_takes_them_over(
    campaign, seed_units
):
    """A document without the split clause keeps the parts (flagged for checking); a document
    that now contains HQ's added milestone matches it instead of adding a second one."""
    work = _hq_work(campaign, seed_units)
    text = SEED.read_text(encoding="utf-8")
    clause = (
        "9月底以前,全面完成农村电网改造升级,满足农村居民基本生产生活用电需要,"
        "全县接通并正常使用生活用电的农户比例达到100%,30户以上自然村全部接通并正常使用动力电。"
    )
    assert text.count(clause) == 1
    text = text.replace(clause, "").replace(
        "增加工资性收入。", "增加工资性收入。9月底前,全县新开发公益性岗位300个。"
    )
    result = plan_actions.revise_campaign(campaign, planparse.parse(text))
    kept = result.diff.kept_lines()
    assert any("新版原文中已没有这一条款，请核对是否仍需要" in line for line in kept), kept
    added = Milestone.objects.get(pk=work["added"].pk)
    assert added.origin == "added" and added.text == "9月底前,全县新开发公益性岗位300个"
    assert (
        campaign.actions.get(number=4).milestones.filter(text__contains="公益性岗位").count() == 1
    )
    assert Milestone.objects.filter(pk__in=[p.pk for p in work["parts"]]).count() == 3
    assert result.diff.counts()["milestones"]["added"] == 0
