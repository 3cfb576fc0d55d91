from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tuopin.cases import actions
from tuopin.cases.models import Case, CaseEvent, Kind, StageClock, State, TimeLimit
from tuopin.cases.tests.helpers import at, petition, problem, refresh, step
from tuopin.lib import clock


def _row_snapshot(case: Case) -> tuple:
    case = refresh(case)
    return (
        case.state,
        case.unit_id,
        case.resolved_at,
        case.closed_at,
        CaseEvent.objects.filter(case=case).count(),
        list(StageClock.objects.filter(case=case).values_list("stage", "ended_at", "deadline")),
    )


def test_it_runs_a_petition_from_registration_to_closure(world):
    case = petition(world)
    assert case.number == f"XF2018-{case.pk:05d}"
    assert case.state == State.REGISTERED
    assert case.tracking_code is None
    step("2018-07-03 10:00", actions.accept_case, world.hq, case)
    case = refresh(case)
    assert case.state == State.ACCEPTED
    assert len(case.tracking_code) == 12
    step("2018-07-03 11:00", actions.assign_case, world.hq, case, unit=world.transport)
    step("2018-07-04 09:00", actions.start_case, world.reporter, case)
    step("2018-07-10 09:00", actions.resolve_case, world.head, case, resolution="已重新评议并公示")
    step("2018-07-11 09:00", actions.verify_case, world.inspector, case)
    step("2018-07-11 10:00", actions.close_case, world.hq, case)
    case = refresh(case)
    assert case.state == State.CLOSED
    assert case.resolved_at == at("2018-07-10 09:00")
    assert case.closed_at == at("2018-07-11 10:00")
    assert list(case.events.values_list("action", "from_state", "to_state")) == [
        ("register", "", "registered"),
        ("accept", "registered", "accepted"),
        ("assign", "accepted", "assigned"),
        ("start", "assigned", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("verify", "resolved", "verified"),
        ("close", "verified", "closed"),
    ]
    clocks = list(case.clocks.values_list("stage", "holder_code", "holder_unit_id", "ended_at"))
    assert clocks == [
        ("accept", "610327", None, at("2018-07-03 10:00")),
        ("assign", "610327", None, at("2018-07-03 11:00")),
        ("handle", "610327", world.transport.pk, at("2018-07-10 09:00")),
        ("verify", "610327", None, at("2018-07-11 09:00")),
    ]
    assert not StageClock.objects.filter(case=case, ended_at__isnull=True).exists()


def test_it_refuses_to_close_an_unresolved_case_and_changes_nothing(world):
    case = problem(world)
    step("2018-07-02 10:00", actions.accept_case, world.hq, case)
    step("2018-07-02 11:00", actions.assign_case, world.hq, case, unit=world.transport)
    before = _row_snapshot(case)
    with pytest.raises(actions.CaseError, match="尚未办结"):
        step("2018-07-03 10:00", actions.close_case, world.hq, case)
    with pytest.raises(actions.CaseError, match="不能验收通过"):
        step("2018-07-03 10:00", actions.verify_case, world.inspector, case)
    assert _row_snapshot(case) == before


def test_it_refuses_the_wrong_role_and_another_units_case(world):
    case = problem(world)
    step("2018-07-02 10:00", actions.accept_case, world.hq, case)
    step("2018-07-02 11:00", actions.assign_case, world.hq, case, unit=world.transport)
    before = _row_snapshot(case)
    with pytest.raises(PermissionDenied):
        step("2018-07-03 10:00", actions.start_case, world.other_reporter, case)
    with pytest.raises(PermissionDenied):
        step("2018-07-03 10:00", actions.start_case, world.viewer, case)
    with pytest.raises(PermissionDenied):
        step("2018-07-03 10:00", actions.accept_case, world.reporter, case)
    with pytest.raises(PermissionDenied):
        step("2018-07-03 10:00", actions.pause_case, world.other_cadre, case, reason="等材料")
    assert _row_snapshot(case) == before


def test_it_keeps_resolution_and_verification_with_different_people(world):
    case = problem(world)
    step("2018-07-02 10:00", actions.accept_case, world.hq, case)
    step("2018-07-02 11:00", actions.assign_case, world.hq, case, unit=world.office)
    step("2018-07-02 12:00", actions.start_case, world.hq, case)
    step("2018-07-03 12:00", actions.resolve_case, world.hq, case, resolution="已约谈")
    before = _row_snapshot(case)
    with pytest.raises(PermissionDenied, match="不同人员"):
        step("2018-07-04 10:00", actions.verify_case, world.hq, case)
    with pytest.raises(PermissionDenied):
        step("2018-07-04 10:00", actions.verify_case, world.head, case)
    assert _row_snapshot(case) == before
    step("2018-07-04 10:00", actions.verify_case, world.leader, case)
    assert refresh(case).state == State.VERIFIED


def test_it_refuses_another_towns_registration(world):
    with pytest.raises(PermissionDenied), clock.frozen(at("2018-07-02 09:00")):
        actions.register_case(
            world.other_cadre,
            kind=Kind.DISCIPLINE,
            source="self",
            title="x",
            content="y",
            org_unit=world.cg_village,
        )
    assert Case.objects.count() == 0


def test_it_requires_a_phone_for_petitions(world):
    with pytest.raises(actions.CaseError, match="手机号码"):
        petition(world, phone="")
    assert Case.objects.count() == 0


def test_it_pauses_and_resumes_the_clock_exactly(world):
    # 纪律问题 accept limit: 5 working days. Mon 2018-07-02 09:00 → Mon 07-09 09:00.
    case = problem(world, "2018-07-02 09:00")
    clock_row = case.open_clock()
    assert clock_row.deadline == at("2018-07-09 09:00")
    step("2018-07-03 09:00", actions.pause_case, world.hq, case, reason="等待反映人补充材料")
    assert refresh(case).is_paused
    # Paused over the weekend and two working days: Tue 09:00 → Mon 07-09 09:00 is 4 working days.
    step("2018-07-09 09:00", actions.resume_case, world.hq, case)
    clock_row.refresh_from_db()
    assert clock_row.paused_at is None
    assert clock_row.paused_intervals == [
        [at("2018-07-03 09:00").isoformat(), at("2018-07-09 09:00").isoformat()]
    ]
    # 4 working days remained at the pause: Mon 07-09 09:00 + 4 working days = Fri 07-13 09:00.
    assert clock_row.deadline == at("2018-07-13 09:00")
    # While paused, the worker found nothing to escalate.
    assert CaseEvent.objects.filter(case=case, action="escalate").count() == 0


def test_it_does_not_escalate_a_paused_clock(world):
    case = problem(world, "2018-07-02 09:00")
    step("2018-07-03 09:00", actions.pause_case, world.hq, case, reason="等待材料")
    from tuopin.cases.jobs import escalate_overdue

    assert escalate_overdue(at("2018-08-30 00:00")) == 0
    assert refresh(case).escalation_count == 0


def test_it_treats_no_limit_as_a_real_option(world):
    TimeLimit.objects.create(
        kind=Kind.DISCIPLINE,
        level="village",
        stage="accept",
        days=None,
        updated_at=at("2018-07-01 00:00"),
    )
    case = problem(world, "2018-07-02 09:00")
    clock_row = case.open_clock()
    assert clock_row.deadline is None
    assert clock_row.limit_days is None
    from tuopin.cases.jobs import escalate_overdue

    assert escalate_overdue(at("2019-07-02 09:00")) == 0
    assert not clock_row.is_breached(at("2019-07-02 09:00"))


def test_it_attributes_delay_to_the_stage_that_held_the_case(world):
    from tuopin.cases.backlog import delay_by_holder

    case = problem(world, "2018-07-02 09:00")  # accept by 07-09 09:00
    step("2018-07-05 09:00", actions.accept_case, world.hq, case)  # assign by 07-10 09:00
    step("2018-07-06 09:00", actions.assign_case, world.hq, case, unit=world.transport)
    # handle: 30 working days from Fri 07-06 09:00 → Fri 08-17 09:00
    handle = case.open_clock()
    assert handle.deadline == at("2018-08-17 09:00")
    step("2018-07-09 09:00", actions.start_case, world.reporter, case)
    step("2018-08-20 09:00", actions.resolve_case, world.reporter, case, resolution="已整改")
    clocks = list(StageClock.objects.filter(case=case).order_by("started_at"))
    assert [c.breached_at for c in clocks] == [None, None, at("2018-08-17 09:00"), None]
    assert [c.delay_seconds() for c in clocks[:3]] == [0.0, 0.0, 3 * 86400.0]
    rows = {row.label: row for row in delay_by_holder(world.county, at("2018-08-21 00:00"))}
    assert rows["县交通局"].breached == 1
    assert str(rows["县交通局"].delay_days) == "3.0"
    assert rows["陇县（受理）"].breached == 0


def test_it_reopens_after_an_unsatisfied_rating(world):
    from tuopin.cases.models import PetitionRating

    case = petition(world)
    step("2018-07-02 10:00", actions.accept_case, world.hq, case)
    step("2018-07-02 11:00", actions.assign_case, world.hq, case, unit=world.chengguan_unit)
    step("2018-07-03 09:00", actions.start_case, world.cadre, case)
    step("2018-07-05 09:00", actions.resolve_case, world.cadre, case, resolution="已答复")
    with pytest.raises(actions.CaseError, match="请选择评价"):
        step("2018-07-06 09:00", actions.rate_petition, refresh(case), rating="bad")
    step(
        "2018-07-06 09:00",
        actions.rate_petition,
        refresh(case),
        rating="unsatisfied",
        comment="没有解决",
    )
    case = refresh(case)
    assert case.state == State.REOPENED
    assert case.round == 2
    assert case.resolved_at is None
    assert list(case.events.values_list("action", "source")[5:]) == [
        ("rate", "public"),
        ("reopen", "public"),
    ]
    assert case.open_clock().stage == "assign"
    # A second rating for round 1 is refused; round 2 may be rated after the new resolution.
    with pytest.raises(actions.CaseError, match="尚未办结"):
        step("2018-07-06 10:00", actions.rate_petition, case, rating="satisfied")
    step("2018-07-06 11:00", actions.assign_case, world.hq, case, unit=world.chengguan_unit)
    step("2018-07-06 12:00", actions.start_case, world.cadre, case)
    step("2018-07-09 12:00", actions.resolve_case, world.cadre, case, resolution="已复查解决")
    step("2018-07-10 09:00", actions.rate_petition, refresh(case), rating="satisfied")
    with pytest.raises(actions.CaseError, match="已评价"):
        step("2018-07-10 10:00", actions.rate_petition, refresh(case), rating="unsatisfied")
    assert list(PetitionRating.objects.values_list("round", "rating")) == [
        (1, "unsatisfied"),
        (2, "satisfied"),
    ]
    assert refresh(case).state == State.RESOLVED


def test_it_returns_a_case_to_the_office(world):
    case = problem(world)
    step("2018-07-02 10:00", actions.accept_case, world.hq, case)
    step("2018-07-02 11:00", actions.assign_case, world.hq, case, unit=world.transport)
    with pytest.raises(actions.CaseError, match="退回理由"):
        step("2018-07-03 10:00", actions.return_case, world.reporter, case, reason=" ")
    step("2018-07-03 10:00", actions.return_case, world.reporter, case, reason="不属于本单位职责")
    case = refresh(case)
    assert case.state == State.RETURNED
    assert case.unit_id is None
    assert Case.objects.visible_to(world.reporter).count() == 0
    assert case.open_clock().stage == "assign"


def test_it_records_a_finding_as_a_rectification_case(world):
    import datetime as dt

    with clock.frozen(at("2018-07-02 09:00")):
        visit = actions.record_visit(
            world.inspector,
            org_unit=world.cg_village,
            visited_on=dt.date(2018, 7, 2),
            inspectors="督查一组",
            cadres_expected=4,
            cadres_present=2,
            files_checked=10,
            files_ok=7,
        )
        with pytest.raises(actions.CaseError, match="早于今天"):
            actions.record_finding(
                world.inspector,
                visit,
                title="档案不全",
                content="3户档案缺页",
                unit=world.chengguan_unit,
                due_on=dt.date(2018, 7, 1),
            )
        case = actions.record_finding(
            world.inspector,
            visit,
            title="档案不全",
            content="3户档案缺页",
            unit=world.chengguan_unit,
            due_on=dt.date(2018, 7, 12),
        )
    assert case.kind == Kind.RECTIFICATION
    assert case.state == State.ASSIGNED
    assert case.number.startswith("ZG2018-")
    handle = case.open_clock()
    assert handle.deadline == clock.end_of_day(dt.date(2018, 7, 12))
    assert handle.holder_unit_id == world.chengguan_unit.pk
    assert list(case.events.values_list("action", flat=True)) == ["register", "assign"]
    with pytest.raises(actions.CaseError, match="不能多于"), clock.frozen(at("2018-07-02 09:00")):
        actions.record_visit(
            world.inspector,
            org_unit=world.cg_village,
            visited_on=dt.date(2018, 7, 2),
            inspectors="x",
            cadres_expected=1,
            cadres_present=2,
        )


def test_events_are_append_only(world):
    case = problem(world)
    event = case.events.get()
    event.note = "changed"
    with pytest.raises(ValueError, match="只能追加"):
        event.save()
    with pytest.raises(ValueError, match="只能追加"):
        event.delete()
