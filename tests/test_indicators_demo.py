"""The issue's "done when" on the demo: every action measured, computed values that agree with
the assessment, goals bound, town values that add up to the county."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tuopin.lib import clock, metrics

DEMO_NOW = "2018-07-20T10:00:00+08:00"


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    from tuopin.synth.demo import build_demo

    with clock.frozen(DEMO_NOW):
        build_demo(seed=1, log=lambda message: None)


def test_the_demo_campaign_is_measured_from_the_county_data(demo):
    from tuopin.org.models import OrgUnit
    from tuopin.plan.models import Campaign, MetricSnapshot
    from tuopin.plan.progress import action_statuses

    with clock.frozen(DEMO_NOW):
        data = json.loads(run("plan_indicators", "--format", "json"))
        county = json.loads(run("assess_county", "--format", "json"))
        villages = json.loads(run("assess_villages", "--format", "json"))
        campaign = Campaign.objects.get(is_active=True)
        statuses = action_statuses(campaign)
    assert set(data) == {"campaign", "as_of", "actions", "goals"}
    assert len(data["actions"]) == 19
    assert all(action["indicators"] for action in data["actions"])
    assert "unknown" not in {str(status) for status in statuses.values()}  # 无时间节点
    items = [item for action in data["actions"] for item in action["indicators"]]
    assert set(items[0]) == {
        "code", "text", "deadline", "source", "metric", "target", "reported", "computed", "status"
    }  # fmt: skip
    computed = [item for item in items if item["source"] == "computed"]
    assert len(computed) >= 8
    assert all(item["computed"] is not None and item["reported"] is None for item in computed)
    both = [item for item in items if item["source"] == "both"]
    assert both and all(item["reported"] is not None for item in both)

    electricity = next(i for i in items if i["metric"] == "registry.household_electricity_rate")
    assert electricity["computed"] == round(county["items"]["electricity"]["value"], 2)
    road = next(i for i in items if i["metric"] == "registry.paved_road_village_rate")
    assert road["computed"] == round(county["items"]["road"]["value"], 2)

    goals = {goal["metric"]: goal for goal in data["goals"] if goal["metric"]}
    poor = set(OrgUnit.objects.filter(is_poor_village=True).values_list("code", flat=True))
    ready = sum(1 for village in villages if village["code"] in poor and village["pass"])
    assert goals["assess.villages_ready"]["target"] == 62
    assert goals["assess.villages_ready"]["value"] == ready
    passing = sum(1 for item in county["items"].values() if item["pass"] is True)
    assert goals["assess.county_items_passing"]["value"] == passing

    # Town values of a computed milestone aggregate to the county value (stored snapshots).
    for key in ("registry.household_electricity_rate", "assess.villages_ready"):
        rows = MetricSnapshot.objects.filter(metric_key=key)
        county_row = rows.get(level="county")
        metric = metrics.get(key)
        with clock.frozen(DEMO_NOW):
            towns = metrics.evaluate_many(key, "town", county_row.on)
        total = metrics.combine(list(towns.values()), unit=metric.unit, on=county_row.on)
        assert total.value == county_row.value
        assert rows.filter(level="town").count() == len(towns)
        assert rows.filter(level="village").exists()

    # The project and fund ledger and the command loop measure their milestones and goals.
    with clock.frozen(DEMO_NOW):
        summary = json.loads(run("projects_summary", "--format", "json"))
    by_metric = {item["metric"]: item for item in items}
    by_type = summary["by_type"]
    assert by_metric["projects.completed.clinic"]["computed"] == by_type["卫生室"]["completed"]
    for key, kind in (
        ("projects.unfinished.grid", "电网"),
        ("projects.unfinished.road", "道路"),
        ("projects.unfinished.relocation", "易地搬迁安置点"),
    ):
        assert by_metric[key]["computed"] == by_type[kind]["total"] - by_type[kind]["completed"]
    funds = summary["funds"]
    assert by_metric["funds.undisbursed"]["computed"] == pytest.approx(
        funds["allocated"] - funds["disbursed"], abs=0.005
    )
    goal = goals["projects.unfinished.goal"]
    kinds = ("道路", "饮水", "电网", "卫生室", "易地搬迁安置点", "危房改造")
    assert goal["target"] == 0
    assert goal["value"] == sum(by_type[k]["total"] - by_type[k]["completed"] for k in kinds)
    assert goal["value"] > 0  # the July demo still has works to finish

    from tuopin.cases.models import Case, Kind

    with clock.frozen(DEMO_NOW):
        late = Case.objects.filter(
            kind=Kind.INSTRUCTION, resolved_at=None, due_at__lt=clock.now()
        ).count()
    assert by_metric["cases.instructions_overdue"]["computed"] == late > 0
    for key in (
        "command.visits_per_leader",
        "command.towns_unvisited",
        "cases.disputes_village_share",
    ):
        assert by_metric[key]["computed"] is not None, key


def test_revising_the_demo_campaign_with_its_own_document_keeps_every_indicator(demo):
    """HQ's work on the demo (added and split milestones, bindings, clinic targets per town,
    goal bindings) survives loading the same plan document again as a revision."""
    from tuopin.plan.models import Campaign, Milestone, MilestoneTarget
    from tuopin.synth.plan_demo import SEED_PLAN

    with clock.frozen(DEMO_NOW):
        before = json.loads(run("plan_indicators", "--format", "json"))
        targets = set(MilestoneTarget.objects.values_list("milestone", "area", "unit", "value"))
        printed = run("plan_load", str(SEED_PLAN))
        after = json.loads(run("plan_indicators", "--format", "json"))
    campaign = Campaign.objects.get(is_active=True)
    assert campaign.revision == 2
    assert "  没有变化" in printed
    assert "保留（指挥部在系统中添加）" in printed
    assert Milestone.objects.filter(action__campaign=campaign).exclude(origin="document").exists()
    assert after == before
    assert set(MilestoneTarget.objects.values_list("milestone", "area", "unit", "value")) == targets
