from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest

from tuopin.lib import clock
from tuopin.plan.models import Measurement
from tuopin.reports import actions, timeliness, worker
from tuopin.reports.models import Report, ReportEvent, ReportVersion
from tuopin.reports.tests.conftest import FRIDAY, values_for

THURSDAY = "2018-07-19T15:00:00+08:00"


def _signed(setup, world, at_sign: str):
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        actions.save_report(world.reporter, report, values_for(setup), revision=0)
        actions.submit_report(world.reporter, report, revision=1)
    with clock.frozen(at_sign):
        actions.sign_report(world.head, report, revision=2)
    report.refresh_from_db()
    return report


def test_it_is_on_time_at_11_59_59_friday(setup, world):
    report = _signed(setup, world, "2018-07-20T11:59:59+08:00")
    assert report.timeliness == "on_time"
    assert report.first_signed_at == clock.at(FRIDAY, 11, 59, 59)


def test_it_is_late_at_12_00_00_friday(setup, world):
    report = _signed(setup, world, "2018-07-20T12:00:00+08:00")
    assert report.timeliness == "late"
    result = timeliness.period_timeliness(setup.period)
    assert result["late"] == [(world.transport, clock.at(FRIDAY, 12))]
    assert result["on_time"] == []


def test_it_records_who_when_and_the_hash_of_the_exact_content(setup, world):
    report = _signed(setup, world, "2018-07-20T10:00:00+08:00")
    version = report.current_version
    assert version.signed_by == world.head
    assert version.content_hash == hashlib.sha256(version.canonical.encode()).hexdigest()
    document = json.loads(version.canonical)
    assert document["unit"] == "县交通局"
    assert document["actions"][0]["milestones"][0] == {
        "milestone": setup.road_km.pk,
        "value": "12.50",
        "status": "in_progress",
    }
    assert version.canonical == json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


def test_it_writes_measurements_for_plan_when_signed(setup, world):
    report = _signed(setup, world, "2018-07-20T10:00:00+08:00")
    rows = Measurement.objects.filter(unit=world.transport).order_by("milestone_id")
    assert [(r.milestone_id, r.value, r.source, r.source_ref) for r in rows] == [
        (setup.road_km.pk, Decimal("12.50"), "report", str(report.current_version.pk)),
        (setup.road_share.pk, Decimal("80.00"), "report", str(report.current_version.pk)),
    ]


def test_it_refuses_to_edit_a_signed_version_in_place(setup, world):
    report = _signed(setup, world, "2018-07-20T10:00:00+08:00")
    before = report.current_version.payload
    with clock.frozen("2018-07-20T10:30:00+08:00"), pytest.raises(actions.ReportConflict) as error:
        actions.save_report(world.reporter, report, values_for(setup, km="13"), revision=3)
    assert "签字后的内容不能直接修改" in error.value.message
    assert ReportVersion.objects.get(pk=report.current_version.pk).payload == before


def test_it_keeps_every_version_and_shows_a_change_after_signing(setup, world):
    report = _signed(setup, world, "2018-07-20T10:00:00+08:00")
    first = report.current_version
    with clock.frozen("2018-07-20T14:00:00+08:00"):
        actions.revise_report(world.reporter, report, revision=3)
        actions.save_report(world.reporter, report, values_for(setup, km="14"), revision=4)
        actions.submit_report(world.reporter, report, revision=5)
        actions.sign_report(world.head, report, revision=6)
    report.refresh_from_db()
    assert report.current_version.number == 2
    assert report.current_version.based_on == first
    assert report.changed_after_signing is True
    assert report.timeliness == "on_time"  # the first signature decides
    assert (
        ReportVersion.objects.get(pk=first.pk).payload["actions"][0]["milestones"][0]["value"]
        == "12.50"
    )
    assert first.content_hash != report.current_version.content_hash
    latest = Measurement.objects.filter(milestone=setup.road_km, unit=world.transport).latest(
        "measured_at"
    )
    assert latest.value == Decimal("14.00")
    assert timeliness.period_timeliness(setup.period)["changed_after_signing"] == [world.transport]


def test_it_refuses_a_value_that_is_not_a_number_and_keeps_the_draft(setup, world):
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        actions.save_report(world.reporter, report, values_for(setup), revision=0)
        with pytest.raises(actions.ReportError) as error:
            actions.save_report(world.reporter, report, values_for(setup, km="十二"), revision=1)
    assert "「十二」不是数字" in error.value.message
    assert "完成通村道路硬化40公里" in error.value.message
    report.refresh_from_db()
    assert report.revision == 1
    assert report.current_version.payload["actions"][0]["milestones"][0]["value"] == "12.50"


@pytest.mark.parametrize(
    ("km", "share", "message"),
    [
        ("-1", "80", "不能为负数"),
        ("1", "120", "百分比应在 0–100 之间"),
        ("1.234", "80", "最多保留两位小数"),
        ("1e20", "80", "超出范围"),
        (True, "80", "不是数字"),
    ],
)
def test_it_refuses_values_out_of_range(setup, world, km, share, message):
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY), pytest.raises(actions.ReportError) as error:
        actions.save_report(
            world.reporter, report, values_for(setup, km=km, share=share), revision=0
        )
    assert message in error.value.message
    assert ReportVersion.objects.count() == 0


def test_it_refuses_an_action_of_another_unit(setup, world):
    report = setup.report(world.transport)
    data = {"actions": [{"action": setup.health_action.pk, "progress": "x"}]}
    with clock.frozen(THURSDAY), pytest.raises(actions.ReportError) as error:
        actions.save_report(world.reporter, report, data, revision=0)
    assert "不是本单位承担的行动" in error.value.message


def test_it_refuses_a_submission_for_another_unit(setup, world):
    report = setup.report(world.health)
    with clock.frozen(THURSDAY), pytest.raises(actions.ReportForbidden) as error:
        actions.save_report(world.reporter, report, {"actions": []}, revision=0)
    assert error.value.message == "只能填报本单位的周报，不能填报县卫计局的周报"


def test_it_refuses_signing_by_a_reporter_or_another_head(setup, world):
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        actions.save_report(world.reporter, report, values_for(setup), revision=0)
        actions.submit_report(world.reporter, report, revision=1)
        with pytest.raises(actions.ReportForbidden) as by_reporter:
            actions.sign_report(world.reporter, report, revision=2)
        with pytest.raises(actions.ReportForbidden) as by_other:
            actions.sign_report(world.other_head, report, revision=2)
    assert by_reporter.value.message == "您没有签字的权限：只有本单位单位主要领导可以签字"
    assert "不能签字县交通局的周报" in by_other.value.message
    report.refresh_from_db()
    assert report.status == "submitted"
    assert report.first_signed_at is None


def test_it_refuses_a_second_submission_racing_the_first(setup, world):
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        actions.save_report(world.reporter, report, values_for(setup), revision=0)
        actions.submit_report(world.reporter, report, revision=1)
        with pytest.raises(actions.ReportConflict) as stale:
            actions.submit_report(world.head, report, revision=1)
        with pytest.raises(actions.ReportConflict) as again:
            actions.submit_report(world.head, report, revision=2)
    assert "已被他人修改" in stale.value.message
    assert "无需重复提交" in again.value.message
    assert ReportEvent.objects.filter(report=report, action="提交").count() == 1


def test_it_marks_overdue_then_missing_at_the_lock(setup, world):
    with clock.frozen("2018-07-20T12:00:00+08:00"):
        worker.mark_overdue(clock.now())
        assert worker.mark_overdue(clock.now()) == 0
    assert len(timeliness.period_timeliness(setup.period)["overdue"]) == 4
    worker.close_periods(clock.at(dt.date(2018, 7, 23), 11, 59, 59))
    assert len(timeliness.period_timeliness(setup.period)["missing"]) == 0
    with clock.frozen("2018-07-23T12:00:00+08:00"):
        worker.close_periods(clock.now())
        assert worker.close_periods(clock.now()) == 0
    assert timeliness.period_timeliness(setup.period)["missing"] == [
        world.transport,
        world.health,
        world.dongfeng_unit,
        world.chengguan_unit,
    ]
    setup.period.refresh_from_db()
    assert setup.period.closed_at == clock.at(dt.date(2018, 7, 23), 12)
    report = setup.report(world.transport)
    with clock.frozen("2018-07-23T13:00:00+08:00"), pytest.raises(actions.ReportError) as error:
        actions.save_report(world.reporter, report, values_for(setup), revision=0)
    assert "已于2018年07月23日12:00锁定" in error.value.message


def test_it_lets_hq_move_one_units_deadline(setup, world):
    report = setup.report(world.health)
    with clock.frozen(THURSDAY):
        actions.grant_exception(
            world.hq,
            report,
            deadline=clock.at(dt.date(2018, 7, 21), 12),
            exempt=False,
            reason="主要领导赴省开会",
        )
        with pytest.raises(actions.ReportForbidden):
            actions.grant_exception(world.head, report, deadline=None, exempt=True, reason="x")
    data = {
        "actions": [
            {
                "action": setup.health_action.pk,
                "progress": "卫生室验收",
                "milestones": [{"milestone": setup.clinics.pk, "value": "50"}],
            }
        ]
    }
    with clock.frozen("2018-07-21T09:00:00+08:00"):
        worker.mark_overdue(clock.now())
        actions.save_report(world.other_reporter, report, data, revision=1)
        actions.submit_report(world.other_reporter, report, revision=2)
        actions.sign_report(world.other_head, report, revision=3)
    report.refresh_from_db()
    assert report.timeliness == "on_time"
    assert report.exception_reason == "主要领导赴省开会"


def test_it_computes_rates_per_unit_action_town_and_week(setup, world):
    _signed(setup, world, "2018-07-20T11:00:00+08:00")
    town = setup.report(world.chengguan_unit)
    with clock.frozen(THURSDAY):
        actions.save_report(world.town_reporter, town, values_for(setup), revision=0)
        actions.submit_report(world.town_reporter, town, revision=1)
    with clock.frozen("2018-07-20T12:30:00+08:00"):
        actions.sign_report(world.town_head, town, revision=2)
    worker.close_periods(clock.at(dt.date(2018, 7, 23), 12))
    week = next(r for r in timeliness.weekly_rates(setup.campaign) if r.key == setup.period)
    assert (week.due, week.on_time, week.late, week.missing) == (4, 1, 1, 2)
    assert week.completeness_rate == Decimal("50.0")
    assert week.on_time_rate == Decimal("25.0")
    units = {r.label: r for r in timeliness.unit_rates(setup.campaign, [setup.period])}
    assert units["县交通局"].on_time_rate == Decimal("100.0")
    assert units["城关镇"].on_time_rate == Decimal("0.0")
    assert units["城关镇"].completeness_rate == Decimal("100.0")
    acts = {r.key.number: r for r in timeliness.action_rates(setup.campaign, [setup.period])}
    assert (acts[13].due, acts[13].on_time, acts[13].late, acts[13].missing) == (3, 1, 1, 1)
    towns = {r.label: r for r in timeliness.town_rates(setup.campaign, [setup.period])}
    assert (towns["县级单位"].due, towns["县级单位"].on_time) == (2, 1)
    assert (towns["城关镇"].late, towns["东风镇"].missing) == (1, 1)


def test_it_carries_last_weeks_values_into_a_new_report(setup, world):
    _signed(setup, world, "2018-07-20T11:00:00+08:00")
    worker.open_periods(clock.at(dt.date(2018, 7, 20), 12, 1))
    next_report = Report.objects.get(period__number=7, unit=world.transport)
    with clock.frozen("2018-07-21T09:00:00+08:00"):
        actions.save_report(world.reporter, next_report, {"actions": []}, revision=0)
    next_report.refresh_from_db()
    section = next_report.current_version.payload["actions"][0]
    assert [m["value"] for m in section["milestones"]] == ["12.50", "80.00"]
    assert section["progress"] == "本周完成路面硬化3公里"
    assert section["problems"] == ""
