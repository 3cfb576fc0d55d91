from __future__ import annotations

import datetime as dt
import json

import pytest

from tuopin.bulletin.compose import compose
from tuopin.bulletin.sections import ASSESS_METRICS, period_of
from tuopin.bulletin.weeks import Week
from tuopin.lib import clock
from tuopin.plan import progress
from tuopin.plan.models import Action
from tuopin.reports import timeliness as report_timeliness
from tuopin.reports.periods import responsible_units

WEEKS = ["2018-W24", "2018-W25", "2018-W26", "2018-W27", "2018-W28", "2018-W29"]


@pytest.mark.parametrize("week", WEEKS)
def test_it_lists_every_unit_exactly_once_and_matches_the_reports(campaign, week):
    snapshot = compose(campaign, week)
    t = snapshot["timeliness"]
    late_units = [row["unit"] for row in t["late"]]
    lists = [t["on_time"], late_units, t["missing"], t["exempt"]]
    everyone = sorted(unit.name for unit in responsible_units(campaign))
    assert sorted(name for names in lists for name in names) == everyone
    assert sum(len(names) for names in lists) == len(everyone) == 5
    period = period_of(campaign, Week.parse(week))
    expected = report_timeliness.period_timeliness(period)
    assert t["on_time"] == [unit.name for unit in expected["on_time"]]
    assert t["late"] == [
        {"unit": unit.name, "signed_at": clock.local(at).isoformat()}
        for unit, at in expected["late"]
    ]
    assert sorted(t["missing"]) == sorted(
        unit.name for unit in expected["missing"] + expected["overdue"] + expected["pending"]
    )
    assert t["exempt"] == [unit.name for unit in expected["exempt"]]
    assert t["expected"] == len(everyone) - len(t["exempt"])
    assert snapshot["headline"]["reports"] == {
        "on_time": len(t["on_time"]),
        "late": len(t["late"]),
        "missing": len(t["missing"]),
        "exempt": len(t["exempt"]),
    }
    counts = snapshot["headline"]["actions"]
    assert sum(counts.values()) == len(snapshot["actions"]) == 3
    assert json.loads(json.dumps(snapshot)) == snapshot  # plain JSON, nothing lost


def test_it_reads_week_29_as_the_reports_say(campaign):
    snapshot = compose(campaign, "2018-W29")
    t = snapshot["timeliness"]
    assert t["on_time"] == ["县交通局", "县脱贫办", "城关镇"]
    assert t["late"] == [{"unit": "县卫计局", "signed_at": "2018-07-20T14:00:00+08:00"}]
    assert t["missing"] == ["东风镇"]
    assert t["deadline"] == "2018-07-20T12:00:00+08:00"
    assert [row["week"] for row in t["history"]] == WEEKS
    assert t["history"][1] == {
        "week": "2018-W25",
        "label": "第25周",
        "on_time": 2,
        "late": 1,
        "missing": 1,
    }
    assert snapshot["state"] == "ok" and snapshot["notice"] == ""
    assert snapshot["title"] == "关于2018年第29周（7月16日—22日）脱贫攻坚工作进展情况的通报"


def test_it_takes_milestone_status_from_plan_progress_as_of_the_week(campaign):
    for week in ("2018-W26", "2018-W29"):
        snapshot = compose(campaign, week)
        as_of = dt.datetime.fromisoformat(snapshot["as_of"])
        expected = progress.milestone_statuses(campaign, as_of)
        actions = progress.action_statuses(campaign, as_of)
        for action in snapshot["actions"]:
            assert action["status"] == str(actions[action["id"]])
            for milestone in action["milestones"]:
                assert milestone["status"] == str(expected[milestone["id"]])
    snapshot = compose(campaign, "2018-W29")
    roads = next(a for a in snapshot["actions"] if a["number"] == 19)
    assert roads["leaders"] == ["分管交通运输副县长"]
    assert roads["units"] == ["县交通局", "城关镇", "东风镇"]
    assert roads["milestones"][0]["target_label"] == "100%"
    assert roads["milestones"][0]["latest"] == float(
        progress.milestone_statuses(campaign, dt.datetime.fromisoformat(snapshot["as_of"]))[
            roads["milestones"][0]["id"]
        ].current
    )
    party = next(a for a in snapshot["actions"] if a["number"] == 1)
    assert party["milestones"][0]["target_label"] == "每镇≥1个"
    assert party["status"] == "done"


def test_it_shows_changes_after_signing(campaign):
    t = compose(campaign, "2018-W26")["timeliness"]
    assert t["changed_after_signing"] == [
        {
            "unit": "城关镇",
            "signed_at": "2018-06-28T12:00:00+08:00",
            "changed_at": "2018-06-29T14:00:00+08:00",
        }
    ]
    assert t["exempt"] == []
    assert compose(campaign, "2018-W25")["timeliness"]["exempt"] == ["县脱贫办"]


def test_it_merges_problems_raised_under_several_actions(campaign):
    problems = compose(campaign, "2018-W29")["problems"]
    assert [(p["unit"], p["kind_label"], p["text"]) for p in problems] == [
        ("城关镇", "存在问题", "第6周：部分村组道路施工进度滞后"),
        ("城关镇", "意见建议", "建议县交通局加快油返砂项目审批"),
    ]
    assert problems[0]["action_label"] == (
        "（1）党建引领专项行动、（13）实施健康扶贫专项行动、（19）村组道路畅通专项行动"
    )


def test_it_ranks_towns_on_timeliness_and_progress(campaign):
    snapshot = compose(campaign, "2018-W29")
    assert [m["key"] for m in snapshot["town_metrics"]] == [
        "on_time_rate",
        "progress",
        "overdue_cases",
    ]
    metrics = {"on_time_rate": 100.0, "progress": 94.0, "overdue_cases": 0}
    assert [(t["rank"], t["name"], t["score"], t["metrics"]) for t in snapshot["towns"]] == [
        (1, "城关镇", 98.0, metrics),
        (2, "东风镇", 66.7, {"on_time_rate": 50.0, "progress": 50.0, "overdue_cases": 0}),
    ]
    assert [t["movement"] for t in snapshot["towns"]] == [None, None]


def test_it_compares_with_the_previous_published_issue(campaign, world):
    from tuopin.bulletin.actions import publish_bulletin

    first = publish_bulletin(campaign, "2018-W28", actor=world.hq)
    snapshot = compose(campaign, "2018-W29")
    assert snapshot["changes"]["previous"] == {
        "id": first.pk,
        "number": 1,
        "number_label": "第1期",
        "week": "2018-W28",
    }
    assert [(t["previous_rank"], t["movement"]) for t in snapshot["towns"]] == [(1, 0), (2, 0)]
    assert "迟报单位由" not in "；".join(snapshot["changes"]["items"])
    assert "按时报送单位由4个减至3个" in snapshot["changes"]["items"]
    assert "未报单位由0个增至1个" in snapshot["changes"]["items"]


def test_it_says_so_before_the_campaign_starts(campaign):
    snapshot = compose(campaign, "2018-W17")
    assert snapshot["state"] == "not_started"
    assert snapshot["notice"] == (
        "作战计划《陇县脱贫“摘帽”百日冲刺工作方案》于2018年5月1日开始实施，"
        "2018年第17周（4月23日—29日）尚未开始，本期无进展数据。"
    )
    assert snapshot["timeliness"]["on_time"] == [] and snapshot["timeliness"]["period"] is None


def test_it_says_so_when_a_week_has_no_reports(campaign):
    may = compose(campaign, "2018-W20")
    assert may["state"] == "no_reports"
    assert "尚无周报填报周期" in may["notice"]
    # Week 30's period opened at 12:00 last Friday and nobody has signed yet.
    with clock.frozen("2018-07-23T09:00:00+08:00"):
        current = compose(campaign, "2018-W30")
    assert current["state"] == "no_reports"
    assert current["notice"] == (
        "截至2018年7月23日09:00，2018年第30周（7月23日—29日）尚无单位签字报送周报。"
    )
    assert sorted(current["timeliness"]["missing"]) == sorted(
        u.name for u in responsible_units(campaign)
    )


def test_it_reads_exit_indicators_from_the_registered_metrics(campaign):
    from tuopin.lib import metrics

    snapshot = compose(campaign, "2018-W29")
    section = snapshot["assessment"]
    assert section["available"] is True
    assert [row["key"] for row in section["rows"]] == [key for key, _ in ASSESS_METRICS]
    for row in section["rows"]:
        value = metrics.evaluate(row["key"], campaign.county, dt.date(2018, 7, 20)).value
        assert row["value"] == (None if value is None else float(value))


def test_it_reads_the_ledger_backlog_from_cases(campaign):
    from tuopin.cases import backlog

    section = compose(campaign, "2018-W29")["backlog"]
    at = clock.now()
    figures = backlog.figures(campaign.county, at)
    assert section["available"] is True
    assert (section["open"], section["overdue"], section["parked"]) == (
        figures.open,
        figures.overdue,
        figures.parked,
    )
    assert "“无积压”要求为0" in section["summary"]


def test_it_says_what_is_pending_when_an_app_is_missing(campaign, monkeypatch):
    from tuopin.bulletin import sections
    from tuopin.lib import metrics

    monkeypatch.setattr(metrics, "all_metrics", lambda: [])
    import sys

    import tuopin.cases

    monkeypatch.setitem(sys.modules, "tuopin.cases.backlog", None)
    monkeypatch.delattr(tuopin.cases, "backlog", raising=False)
    monkeypatch.setattr(sections, "ASSESS_METRICS", [("assess.none", "无")])
    snapshot = compose(campaign, "2018-W29")
    assert snapshot["assessment"] == {
        "available": False,
        "pending": "退出指标监测模块尚未接入，本期暂不通报户、村、县退出指标达标情况。",
    }
    assert snapshot["backlog"]["available"] is False
    assert [m["key"] for m in snapshot["town_metrics"]] == ["on_time_rate", "progress"]


def test_it_counts_only_the_actions_campaign(campaign, world):
    other = Action.objects.get(campaign=campaign, number=19)
    other.units.remove(world.dongfeng_unit)
    snapshot = compose(campaign, "2018-W29")
    roads = next(a for a in snapshot["actions"] if a["number"] == 19)
    assert roads["units"] == ["县交通局", "城关镇"]


def test_it_lists_a_goal_sentence_with_two_numbers_once(campaign):
    # The plan parser makes "62个…退出7项指标全部达标" two goals (62 村, 7 项); the bulletin one line.
    from tuopin.plan.models import Goal

    Goal.objects.create(
        campaign=campaign, text="62个建档立卡贫困村退出7项指标全部达标", value=7, unit="项"
    )
    goals = compose(campaign, "2018-W29")["campaign"]["goals"]
    assert goals == [
        {
            "text": "62个建档立卡贫困村退出7项指标全部达标",
            "value": 62,
            "unit": "个",
            "current": None,
        }
    ]


def test_it_merges_a_problem_several_units_raised_into_one_item(campaign, world):
    from tuopin.reports.models import ReportVersion

    period = period_of(campaign, Week.parse("2018-W29"))
    version = ReportVersion.objects.filter(
        report__period=period, report__unit=world.transport, signed_at__isnull=False
    ).latest("number")
    version.payload["actions"][0]["problems"] = "第6周：部分村组道路施工进度滞后"
    version.save(update_fields=["payload"])
    problems = compose(campaign, "2018-W29")["problems"]
    assert [(p["units"], p["unit"], p["kind_label"], p["text"]) for p in problems] == [
        (
            ["县交通局", "城关镇"],
            "县交通局、城关镇",
            "存在问题",
            "第6周：部分村组道路施工进度滞后",
        ),
        (["城关镇"], "城关镇", "意见建议", "建议县交通局加快油返砂项目审批"),
    ]
    assert problems[0]["action_label"] == (
        "（1）党建引领专项行动、（13）实施健康扶贫专项行动、（19）村组道路畅通专项行动"
    )
