from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tuopin.lib import clock, planparse
from tuopin.org.models import AuditEvent, Person
from tuopin.plan.actions import LoadRefused, load_campaign, update_action
from tuopin.plan.models import Action, Campaign, Goal, Milestone, Phase
from tuopin.plan.tests.conftest import FIXTURES, SEED


def _counts() -> tuple[int, ...]:
    return (
        Campaign.objects.count(),
        Action.objects.count(),
        Milestone.objects.count(),
        Phase.objects.count(),
        Goal.objects.count(),
        Person.objects.count(),
        AuditEvent.objects.count(),
    )


def test_it_loads_the_seed_into_the_county(seed_units, seed_text):
    world = seed_units
    result = load_campaign(planparse.parse(seed_text), world.county, source_name="seed.txt")
    campaign = result.campaign
    assert result.warnings == []
    assert (campaign.issuer, campaign.issued_on) == (
        "陇县脱贫攻坚领导小组办公室",
        dt.date(2018, 6, 11),
    )
    assert (campaign.reporting_weekday, campaign.reporting_time, campaign.reporting_sign_off) == (
        5,
        dt.time(12, 0),
        True,
    )
    assert campaign.actions.count() == 19
    assert Milestone.objects.filter(action__campaign=campaign).count() == 17
    assert list(campaign.phases.values_list("name", "start", "end")) == [
        ("决战决胜阶段", dt.date(2018, 5, 1), dt.date(2018, 8, 31)),
        ("任务清零阶段", dt.date(2018, 9, 1), dt.date(2018, 9, 30)),
    ]
    assert list(campaign.goals.exclude(value=None).values_list("value", "unit")) == [
        (Decimal("18000"), "人"),
        (Decimal("62"), "村"),
        (Decimal("7"), "项"),
        (Decimal("7"), "项"),
    ]
    first = campaign.actions.get(number=1)
    assert [u.name for u in first.units.order_by("name")] == sorted(
        ["县委办", "县委组织部", "城关镇", "东风镇"]
    )
    assert first.units_text == "县委办、县委组织部、各镇"
    assert [p.name for p in first.leaders.all()] == ["葛管社"]
    seventh = campaign.actions.get(number=7)
    assert sorted(u.name for u in seventh.units.all()) == sorted(
        ["县交通局", "县卫计局", "城关镇", "东风镇"]
    )
    twelfth = campaign.actions.get(number=12)
    assert [p.name for p in twelfth.leaders.all()] == ["赵强"]
    road = campaign.actions.get(number=19)
    assert [(p.name, p.post) for p in road.leaders.all()] == [("", "分管交通运输副县长")]
    milestone = first.milestones.get(order=1)
    assert milestone.deadline == dt.datetime(2018, 7, 31, 23, 59, 59, tzinfo=clock.SHANGHAI)
    assert (milestone.target_value, milestone.target_unit, milestone.comparator, milestone.per) == (
        Decimal("1"),
        "个",
        "at_least",
        "town",
    )
    assert (milestone.metric_key, milestone.metric_source) == ("plan.1.1", "reported")
    # the existing leader is reused, the others are created once
    assert Person.objects.filter(name="葛管社").count() == 1
    assert Person.objects.filter(is_leader=True).count() == 10
    event = AuditEvent.objects.get(model="plan.campaign")
    assert (event.action, event.changes) == (
        "导入作战计划",
        {"actions": [None, 19], "milestones": [None, 17]},
    )


def test_it_refuses_unknown_units_and_writes_nothing(world, seed_text):
    before = _counts()
    with pytest.raises(LoadRefused) as refused:
        load_campaign(planparse.parse(seed_text), world.county)
    assert refused.value.errors[0] == (
        "行动（1）党建引领专项行动：找不到责任单位“县委办、县委组织部”"
        "（请先在组织机构中添加该单位或别名，或改正单位名称）"
    )
    # actions 5, 7, 8, 12, 13 and 19 name only units the world has
    assert len(refused.value.errors) == 13
    assert _counts() == before


def test_it_loads_with_unresolved_units_as_warnings_when_allowed(world, seed_text):
    result = load_campaign(planparse.parse(seed_text), world.county, allow_unresolved=True)
    assert len(result.warnings) == 13
    action = result.campaign.actions.get(number=1)
    assert [u.name for u in action.units.all()] == ["城关镇", "东风镇"]
    assert action.units_text == "县委办、县委组织部、各镇"


def test_it_refuses_names_with_markup_or_control_characters(seed_units, seed_text):
    before = _counts()
    parsed = planparse.parse(seed_text)
    first = parsed["actions"][0]
    first["leaders"] = ["<img src=x onerror=alert(1)>"]
    first["units"] = [*first["units"], "县\u202e交通局"]
    with pytest.raises(LoadRefused) as refused:
        load_campaign(parsed, seed_units.county, allow_unresolved=True)
    assert refused.value.errors == [
        "行动（1）党建引领专项行动：责任领导“<img src=x onerror=alert(1)>”"
        "不能包含尖括号 < 或 >（名称中不允许出现网页标记）",
        "行动（1）党建引领专项行动：责任单位“县\u202e交通局”"
        "不能包含控制字符或不可见字符（U+202E），请删除后重新导入",
    ]
    assert _counts() == before


def test_it_rolls_back_everything_when_a_write_fails(seed_units, seed_text, monkeypatch):
    before = _counts()
    parsed = planparse.parse(seed_text)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Milestone.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        load_campaign(parsed, seed_units.county)
    assert _counts() == before


def test_it_refuses_corrected_fields_that_are_invalid(seed_units, seed_text):
    parsed = planparse.parse(seed_text)
    parsed["phases"][0]["end"] = "2018-04-01"
    parsed["actions"][0]["milestones"][0]["deadline"] = "7月底"
    parsed["actions"][0]["milestones"][1]["target"]["value"] = "五"
    with pytest.raises(LoadRefused) as refused:
        load_campaign(parsed, seed_units.county)
    assert refused.value.errors == [
        "行动（1）党建引领专项行动的时间节点“7月底前,每镇至少建立1个“基层党组织+…”：截止时间“7月底”无效，应为 2018-07-31",
        "行动（1）党建引领专项行动的时间节点“9月底前,全县建成5个以上“抓党建促脱贫…”：目标值“五”不是数字",
        "阶段“决战决胜阶段”的结束日期早于开始日期",
    ]
    assert Campaign.objects.count() == 0


def test_it_deactivates_the_previous_campaign(seed_units, seed_text):
    first = load_campaign(planparse.parse(seed_text), seed_units.county).campaign
    second = load_campaign(planparse.parse(seed_text), seed_units.county).campaign
    first.refresh_from_db()
    assert (first.is_active, second.is_active) == (False, True)


def test_it_edits_an_action_with_history(seed_units, seed_text):
    world = seed_units
    campaign = load_campaign(planparse.parse(seed_text), world.county).campaign
    action = campaign.actions.get(number=19)
    changes = update_action(
        action,
        title="村组道路畅通专项行动",
        leaders_text="赵 强",
        units_text="县交通局",
        actor=world.hq,
    )
    assert changes == {
        "leaders_text": ["分管交通运输副县长", "赵 强"],
        "units_text": ["县交通局、各镇", "县交通局"],
        "leaders": ["分管交通运输副县长", "赵强"],
        "units": ["县交通局、城关镇、东风镇", "县交通局"],
    }
    assert [u.name for u in action.units.all()] == ["县交通局"]
    event = AuditEvent.objects.filter(model="plan.action").get()
    assert (event.actor, event.action) == (world.hq, "修改专项行动")
    with pytest.raises(LoadRefused):
        update_action(action, title="x", leaders_text="", units_text="县不存在局", actor=world.hq)
    assert [u.name for u in action.units.all()] == ["县交通局"]


def test_the_parse_command_prints_json(capsys):
    out = io.StringIO()
    call_command("plan_parse", str(SEED), format="json", stdout=out)
    import json

    parsed = json.loads(out.getvalue())
    assert len(parsed["actions"]) == 19
    assert "marks" not in parsed
    assert set(parsed) >= {
        "title",
        "issuer",
        "issued_on",
        "goals",
        "phases",
        "actions",
        "reporting",
        "warnings",
    }


def test_the_parse_command_reports_bad_input_in_chinese(tmp_path):
    bad = tmp_path / "plan.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="内容不是 Word"):
        call_command("plan_parse", str(bad))
    with pytest.raises(CommandError, match="未识别到方案结构"):
        call_command("plan_parse", str(FIXTURES / "no_structure.txt"))
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("plan_parse", str(tmp_path / "missing.txt"))


def test_the_load_command_loads_the_seed(seed_units):
    out = io.StringIO()
    call_command("plan_load", str(SEED), county="610327", stdout=out)
    assert out.getvalue().startswith("已导入作战计划“陇县脱贫“摘帽”百日冲刺工作方案”")
    assert "19 个专项行动，17 个时间节点，2 个阶段" in out.getvalue()


def test_the_load_command_refuses_unknown_units_and_loads_nothing(world):
    with pytest.raises(CommandError) as error:
        call_command("plan_load", str(SEED), county="610327")
    assert str(error.value).startswith(
        "导入未执行，发现以下问题：\n行动（1）党建引领专项行动：找不到责任单位"
    )
    assert Campaign.objects.count() == 0
    with pytest.raises(CommandError, match="找不到县级区划 999999"):
        call_command("plan_load", str(SEED), county="999999")
    with pytest.raises(CommandError, match="第3行的时间节点无法换算为日期"):
        call_command("plan_load", str(FIXTURES / "undatable.txt"), county="610327")
    assert Campaign.objects.count() == 0


def test_a_milestone_measured_by_a_computed_metric_uses_it(seed_units, seed_text):
    from tuopin.lib import metrics
    from tuopin.plan.actions import refresh_computed
    from tuopin.plan.models import Measurement

    original = metrics.get("registry.housing_appraisal_rate")
    metric = metrics.Metric(
        key="registry.housing_appraisal_rate",
        name="农户住房安全鉴定覆盖率",
        unit="%",
        kind="computed",
        compute=lambda scope, on: metrics.Value(Decimal("96.5"), as_of=on),
    )
    metrics.register(metric)
    try:
        campaign = load_campaign(planparse.parse(seed_text), seed_units.county).campaign
        housing = campaign.actions.get(number=16).milestones.get(order=1)  # 房屋安全鉴定 100%
        assert (housing.metric_key, housing.metric_source) == (
            "registry.housing_appraisal_rate",
            "computed",
        )
        clinics = campaign.actions.get(number=13).milestones.get()
        assert (clinics.metric_key, clinics.metric_source) == ("plan.13.1", "reported")
        with clock.frozen("2018-07-20T10:00:00+08:00"):
            refresh_computed(campaign)
            assert refresh_computed(campaign) == 0  # unchanged values: no new rows
        row = Measurement.objects.get(milestone=housing)
        assert (row.milestone, row.value, row.unit, row.source) == (
            housing,
            Decimal("96.5"),
            None,
            "system",
        )
    finally:
        metrics.register(original)
