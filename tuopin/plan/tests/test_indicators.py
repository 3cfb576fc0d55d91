"""HQ edits indicators: add, split, bind (refusals with reasons), targets that add up, refresh,
the report form, and `tuopin plan indicators`."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from tuopin.assess.tests.factories import household
from tuopin.lib import clock, metrics
from tuopin.org.models import AuditEvent
from tuopin.org.testing import visible_text
from tuopin.plan import indicators
from tuopin.plan.models import Measurement, MetricSnapshot, Milestone, MilestoneTarget

NOW = "2018-07-20T10:00:00+08:00"


@pytest.fixture
def homes(world):
    from tuopin.registry.models import VillageFacts

    for village in (world.cg_village, world.cg_village2, world.df_village, world.df_village2):
        VillageFacts.objects.create(village=village, paved_road=village != world.df_village)
    return [
        household(world.cg_village),
        household(world.cg_village, has_household_electricity=False),
        household(world.df_village),
        household(world.df_village2),
    ]


def form(milestone_text="9月底前，全县接通生活用电的农户比例达到100%", **extra):
    data = {
        "deadline": "2018-09-30T18:00",
        "text": milestone_text,
        "target_value": "100",
        "target_unit": "%",
        "comparator": "all",
        "per": "total",
        "metric_source": "computed",
        "metric_key": "registry.household_electricity_rate",
        "tolerance": "",
    }
    data.update(extra)
    return data


def test_hq_adds_a_computed_milestone_with_a_preview(campaign, world, login, homes):
    action = campaign.actions.get(number=18)
    url = reverse("plan:add_milestone", args=[action.pk])
    assert login(world.viewer).post(url, form()).status_code == 403
    client = login(world.hq)
    page = client.get(url)
    assert page.status_code == 200 and "农户通生活用电比例（%）" in page.content.decode()
    preview = client.post(url, {**form(), "preview": "1"})
    assert preview.status_code == 200
    assert "陇县当前 75%" in visible_text(preview.content.decode())
    assert not Milestone.objects.filter(text__startswith="9月底前，全县接通").exists()
    assert client.post(url, form()).status_code == 302
    added = Milestone.objects.get(text__startswith="9月底前，全县接通")
    assert (added.metric_source, added.metric_key, added.order) == (
        "computed",
        "registry.household_electricity_rate",
        3,
    )
    assert AuditEvent.objects.filter(action="新增时间节点", object_id=str(added.pk)).exists()
    assert (added.origin, added.by_hq, added.split_from) == ("added", True, None)
    with clock.frozen(NOW):
        done = indicators.refresh(campaign)
    assert done["measurements"] >= 1
    row = Measurement.objects.get(milestone=added)
    assert (row.value, row.unit, row.source) == (Decimal(75), None, "system")
    levels = set(
        MetricSnapshot.objects.filter(metric_key=added.metric_key).values_list("level", flat=True)
    )
    assert levels == {"county", "town", "village"}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"target_unit": "个", "target_value": "35", "comparator": "equal"}, "比例不能度量个数"),
        ({"metric_key": "assess.villages_ready"}, "个数不能度量比例"),
        ({"metric_key": "assess.county_items_passing", "target_unit": "项", "per": "town",
          "target_value": "7", "comparator": "equal"}, "只对县计算，不能按镇计算"),
        ({"metric_key": ""}, "须选择度量指标"),
    ],
)  # fmt: skip
def test_a_binding_that_cannot_hold_is_refused_with_the_reason(
    campaign, world, login, changes, reason
):
    action = campaign.actions.get(number=18)
    before = Milestone.objects.count()
    page = login(world.hq).post(reverse("plan:add_milestone", args=[action.pk]), form(**changes))
    assert page.status_code == 400
    assert reason in visible_text(page.content.decode())
    assert Milestone.objects.count() == before


def test_hq_splits_a_bundled_milestone(campaign, world, login):
    bundle = campaign.actions.get(number=18).milestones.get(order=1)
    url = reverse("plan:split_milestone", args=[bundle.pk])
    refused = login(world.hq).post(url, {"parts": "只有一项"})
    assert refused.status_code == 400 and "至少需要两个分项" in visible_text(
        refused.content.decode()
    )
    parts = "生活用电农户比例达到100%\n30户以上自然村通动力电\n完成农村电网改造升级"
    assert login(world.hq).post(url, {"parts": parts}).status_code == 302
    assert not Milestone.objects.filter(pk=bundle.pk).exists()
    assert Milestone.all_objects.get(pk=bundle.pk).withdrawn_at is not None
    texts = list(
        campaign.actions.get(number=18).milestones.order_by("order").values_list("text", flat=True)
    )
    assert texts[-3:] == parts.split("\n")
    # The parts are HQ's and remember their bundle: a revision of the document keeps them.
    made = campaign.actions.get(number=18).milestones.filter(origin="split")
    assert {(m.text, m.split_from_id) for m in made} == {
        (text, bundle.pk) for text in parts.split("\n")
    }
    assert not campaign.actions.get(number=18).milestones.filter(origin="added").exists()


def test_targets_per_town_must_add_up_to_the_county_target(campaign, world, login):
    clinics = campaign.actions.get(number=13).milestones.get()
    url = reverse("plan:milestone_targets", args=[clinics.pk])
    towns = {world.chengguan_unit.pk: "20", world.dongfeng_unit.pk: "10"}
    data = {f"unit_{pk}": value for pk, value in towns.items()}
    refused = login(world.hq).post(url, data)
    assert refused.status_code == 400
    assert "分解目标合计 30个，与总目标 35个 不符" in visible_text(refused.content.decode())
    assert not MilestoneTarget.objects.exists()
    data[f"unit_{world.dongfeng_unit.pk}"] = "15"
    assert login(world.hq).post(url, data).status_code == 302
    assert sorted(MilestoneTarget.objects.values_list("area__name", "value")) == [
        ("东风镇", Decimal(15)),
        ("城关镇", Decimal(20)),
    ]


def test_a_goal_binds_to_a_metric_of_the_same_kind(campaign, world, login):
    goal = campaign.goals.get(unit="村")
    url = reverse("plan:edit_goal", args=[goal.pk])
    refused = login(world.hq).post(url, {"metric_key": "registry.household_electricity_rate"})
    assert refused.status_code == 400 and "比例不能度量个数" in visible_text(
        refused.content.decode()
    )
    assert login(world.hq).post(url, {"metric_key": "assess.villages_ready"}).status_code == 302
    goal.refresh_from_db()
    assert goal.metric_key == "assess.villages_ready"


def test_the_indicators_command_prints_county_values(campaign, world, homes):
    milestone = campaign.actions.get(number=18).milestones.get(order=1)
    milestone.metric_source = "both"
    milestone.metric_key = "registry.household_electricity_rate"
    milestone.save()
    Measurement.objects.create(
        milestone=milestone, unit=world.chengguan_unit, value=Decimal("40"),
        measured_at=clock.now(), source="report",
    )  # fmt: skip
    Measurement.objects.create(
        milestone=milestone, unit=world.dongfeng_unit, value=Decimal("50"),
        measured_at=clock.now(), source="report",
    )  # fmt: skip
    out = io.StringIO()
    call_command(
        "plan_indicators", "--format", "json", "--as-of", clock.today().isoformat(), stdout=out
    )
    data = json.loads(out.getvalue())
    assert data["campaign"] == campaign.title
    action = next(a for a in data["actions"] if a["number"] == 18)
    item = next(i for i in action["indicators"] if i["code"] == "18.1")
    assert item["source"] == "both"
    assert (item["reported"], item["computed"], item["target"]) == (45, 75, 100)
    assert item["metric"] == "registry.household_electricity_rate"
    assert all(set(goal) == {"text", "metric", "target", "value"} for goal in data["goals"])
    with pytest.raises(Exception, match="日期“昨天”无效"):
        call_command("plan_indicators", "--as-of", "昨天")


def test_the_report_form_never_asks_for_a_computed_value(campaign, world):
    from tuopin.reports import payload
    from tuopin.reports.models import Report
    from tuopin.reports.periods import ensure_periods

    milestone = campaign.actions.get(number=19).milestones.get(order=1)
    assert milestone.metric_source == "computed"  # 通沥青（水泥路）: bound at load
    milestone.metric_source = "reported"
    milestone.save()
    with clock.frozen(NOW):
        ensure_periods(campaign, clock.now())
    report = Report.objects.filter(unit=world.transport).order_by("period__number").last()
    shown = [row.milestone.pk for s in payload.sections(report, None) for row in s.milestones]
    assert milestone.pk in shown
    milestone.metric_source = "computed"
    milestone.metric_key = "registry.paved_road_village_rate"
    milestone.save()
    shown = [row.milestone.pk for s in payload.sections(report, None) for row in s.milestones]
    assert milestone.pk not in shown


def test_a_town_target_of_a_computed_milestone_reads_town_values(campaign, world, homes):
    milestone = campaign.actions.get(number=1).milestones.get(order=1)  # 每镇至少 … (per town)
    Milestone.objects.filter(pk=milestone.pk).update(
        metric_source="computed", metric_key="registry.households", target_unit="户"
    )
    with clock.frozen(NOW):
        indicators.refresh(campaign)
    rows = dict(Measurement.objects.filter(milestone=milestone).values_list("unit__name", "value"))
    assert rows == {"城关镇": Decimal(2), "东风镇": Decimal(2)}
    county = metrics.evaluate("registry.households", world.county, dt.date(2018, 7, 20))
    assert county.value == sum(rows.values())


def test_the_review_page_proposes_bindings_and_hq_confirms_or_declines(seed_units, world, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tuopin.plan.models import Campaign, PlanDraft
    from tuopin.plan.tests.conftest import SEED

    client = login(world.hq)
    upload = SimpleUploadedFile("方案.txt", SEED.read_bytes())
    response = client.post(reverse("plan:upload"), {"document": upload})
    draft = PlanDraft.objects.get()
    page = visible_text(client.get(response.url).content.decode())
    assert "由系统计算：农户通生活用电比例" in page
    assert "由系统计算：农户住房安全鉴定覆盖率" in page
    actions = draft.parsed["actions"]
    electricity = next(i for i, a in enumerate(actions) if a["number"] == 18)
    roads = next(i for i, a in enumerate(actions) if a["number"] == 19)
    post = {
        f"action-{electricity}-title": actions[electricity]["title"],
        f"action-{electricity}-units": "、".join(actions[electricity]["units"]),
        f"ms-{electricity}-0-deadline": "2018-09-30",
        f"ms-{electricity}-0-value": "100",
        f"ms-{electricity}-0-unit": "%",
        f"ms-{electricity}-0-comparator": "all",
        f"ms-{electricity}-0-per": "total",
        f"ms-{electricity}-0-metric-shown": "1",
        f"ms-{electricity}-0-metric": "registry.household_electricity_rate",
        f"ms-{electricity}-1-deadline": "2018-09-30",
        f"action-{roads}-title": actions[roads]["title"],
        f"action-{roads}-units": "、".join(actions[roads]["units"]),
        f"ms-{roads}-0-deadline": "2018-09-30",
        f"ms-{roads}-0-value": "100",
        f"ms-{roads}-0-unit": "%",
        f"ms-{roads}-0-comparator": "all",
        f"ms-{roads}-0-per": "total",
        f"ms-{roads}-0-metric-shown": "1",  # unticked: HQ declines, units report it
        "confirm": "1",
    }
    client.post(reverse("plan:review", args=[draft.pk]), post)
    campaign = Campaign.objects.get()
    power = campaign.actions.get(number=18).milestones.get(order=1)
    road = campaign.actions.get(number=19).milestones.get(order=1)
    assert (power.metric_source, power.metric_key) == (
        "computed",
        "registry.household_electricity_rate",
    )
    assert (road.metric_source, road.metric_key) == ("reported", "plan.19.1")


def test_the_migration_marks_hqs_earlier_milestones_from_the_audit_log(campaign, world):
    """Milestones added or split before ``origin`` existed are told by their audit rows."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("tuopin.plan.migrations.0006_milestone_origin")
    bundle = campaign.actions.get(number=18).milestones.get(order=1)
    parts = indicators.split_milestone(
        bundle,
        [{"text": "生活用电农户比例达到100%"}, {"text": "30户以上自然村通动力电"}],
        actor=None,
    )
    added = indicators.add_milestone(
        campaign.actions.get(number=4),
        {"deadline": clock.now(), "text": "新开发公益性岗位", "per": "total"},
        actor=None,
    )
    Milestone.all_objects.update(origin="document", split_from=None)  # as before the field
    migration.from_the_audit_log(apps, None)
    assert Milestone.objects.get(pk=added.pk).origin == "added"
    assert {
        (m.origin, m.split_from_id) for m in Milestone.objects.filter(pk__in=[p.pk for p in parts])
    } == {("split", bundle.pk)}
    assert Milestone.all_objects.filter(origin="document").count() == (
        Milestone.all_objects.count() - 3
    )
