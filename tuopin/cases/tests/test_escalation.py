from __future__ import annotations

from django.core.management import call_command

from tuopin.cases import actions
from tuopin.cases.jobs import escalate_overdue
from tuopin.cases.models import CaseEvent, StageClock
from tuopin.cases.tests.helpers import at, petition, problem, refresh, step


def test_it_catches_up_after_downtime_at_the_breach_moments(world):
    # 纪律问题 accept: 5 working days; petitions accept: 15 calendar days.
    first = problem(world, "2018-07-02 09:00")  # breaches 07-09 09:00
    second = problem(world, "2018-07-04 15:30")  # breaches 07-11 15:30
    third = petition(world, "2018-07-05 08:00")  # breaches 07-20 08:00
    # The worker was down until 07-16 12:00.
    assert escalate_overdue(at("2018-07-16 12:00")) == 2
    events = CaseEvent.objects.filter(action="escalate").order_by("at")
    assert [(e.case_id, e.at, e.source) for e in events] == [
        (first.pk, at("2018-07-09 09:00"), "worker"),
        (second.pk, at("2018-07-11 15:30"), "worker"),
    ]
    assert events[0].note == "受理超过时限，提级督办"
    assert events[0].data == {
        "stage": "accept",
        "holder_code": "610327",
        "escalate_to_code": "610327",
    }
    first = refresh(first)
    assert first.escalation_count == 1
    assert first.escalated_at == at("2018-07-09 09:00")
    assert first.supervising_code == "610327"
    # Idempotent: running again (a second worker, or cron twice) changes nothing.
    assert escalate_overdue(at("2018-07-16 12:00")) == 0
    assert escalate_overdue(at("2018-07-18 12:00")) == 0
    assert refresh(first).escalation_count == 1
    assert CaseEvent.objects.filter(action="escalate").count() == 2
    assert refresh(third).escalation_count == 0
    assert escalate_overdue(at("2018-07-20 08:00")) == 1
    assert refresh(third).escalated_at == at("2018-07-20 08:00")


def test_it_records_a_breach_when_an_action_ends_the_clock_before_the_worker_ran(world):
    case = problem(world, "2018-07-02 09:00")  # accept breached at 07-09 09:00
    step("2018-07-12 10:00", actions.accept_case, world.hq, case)
    accept_clock = StageClock.objects.get(case=case, stage="accept")
    assert accept_clock.breached_at == at("2018-07-09 09:00")
    escalation = CaseEvent.objects.get(case=case, action="escalate")
    assert escalation.at == at("2018-07-09 09:00")
    assert escalation.clock_id == accept_clock.pk
    assert refresh(case).escalation_count == 1
    # The worker then finds nothing: the assign clock started 07-12 and is on time.
    assert escalate_overdue(at("2018-07-12 11:00")) == 0


def test_it_escalates_a_towns_delay_to_the_county(world):
    case = problem(world, "2018-07-02 09:00")
    step("2018-07-02 10:00", actions.accept_case, world.hq, case)
    step("2018-07-02 11:00", actions.assign_case, world.hq, case, unit=world.chengguan_unit)
    handle = refresh(case).open_clock()
    assert handle.holder_code == "610327100"
    assert handle.escalate_to_code == "610327"
    assert escalate_overdue(at("2018-09-01 00:00")) == 1
    assert refresh(case).supervising_code == "610327"
    assert CaseEvent.objects.get(case=case, action="escalate").at == handle.deadline


def test_it_marks_a_breach_before_pausing(world):
    case = problem(world, "2018-07-02 09:00")
    step("2018-07-10 09:00", actions.pause_case, world.hq, case, reason="等待补充材料")
    clock_row = refresh(case).open_clock()
    assert clock_row.breached_at == at("2018-07-09 09:00")
    assert clock_row.paused_at == at("2018-07-10 09:00")
    step("2018-07-12 09:00", actions.resume_case, world.hq, case)
    clock_row.refresh_from_db()
    # A breached clock keeps its deadline: the breach is history.
    assert clock_row.deadline == at("2018-07-09 09:00")
    assert clock_row.delay_seconds(at("2018-07-13 09:00")) == 2 * 86400
    assert escalate_overdue(at("2018-07-13 09:00")) == 0


def test_the_tick_command_escalates(world):
    problem(world, "2018-07-02 09:00")
    from io import StringIO

    out = StringIO()
    call_command("cases_tick", "--now", "2018-07-20T10:00+08:00", stdout=out)
    assert out.getvalue().strip() == "督办 1 件（截至 2018-07-20 10:00）"
    out = StringIO()
    call_command("cases_tick", "--now", "2018-07-20T10:00+08:00", stdout=out)
    assert out.getvalue().strip() == "督办 0 件（截至 2018-07-20 10:00）"
