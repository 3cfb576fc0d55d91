from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tuopin.cases import actions, backlog
from tuopin.cases.jobs import escalate_overdue
from tuopin.cases.models import OPEN_STATES, Case, CaseEvent, Kind
from tuopin.cases.tests.helpers import at, petition, problem, step
from tuopin.lib import clock, metrics

STATE_CHANGES = {
    "register",
    "accept",
    "reject",
    "assign",
    "return",
    "resolve",
    "verify",
    "close",
    "reopen",
}


def _reference(scope_code: str, moment: dt.datetime) -> tuple[int, int]:
    """Open and overdue counts replayed from the event rows alone."""
    open_count = overdue = 0
    for case in Case.objects.filter(org_code__startswith=scope_code):
        events = [e for e in case.events.order_by("at", "id") if e.at <= moment]
        if not events or events[-1].to_state not in OPEN_STATES:
            continue
        open_count += 1
        running = [e for e in events if e.action in STATE_CHANGES and e.clock_id][-1].clock_id
        if any(e.action == "escalate" and e.clock_id == running for e in events):
            overdue += 1
    return open_count, overdue


def _build(world):
    a = problem(world, "2018-07-02 09:00")  # accept limit 07-09 09:00
    b = problem(world, "2018-07-03 09:00", org_unit=world.df_village)  # 07-10 09:00
    c = petition(world, "2018-07-04 09:00")  # accept 15 days → 07-19 09:00
    d = problem(world, "2018-07-05 09:00", kind=Kind.INSPECTION)  # accept 3 wd → 07-10 09:00
    step("2018-07-05 10:00", actions.accept_case, world.hq, a)
    step("2018-07-05 11:00", actions.assign_case, world.hq, a, unit=world.transport)
    step("2018-07-06 09:00", actions.start_case, world.reporter, a)
    step("2018-07-09 09:00", actions.resolve_case, world.reporter, a, resolution="已处理")
    step("2018-07-10 09:00", actions.verify_case, world.inspector, a)
    step("2018-07-06 09:00", actions.pause_case, world.hq, d, reason="等待材料")
    step("2018-07-06 10:00", actions.accept_case, world.hq, c)  # assign 3 wd → 07-11 10:00
    return a, b, c, d


def test_backlog_figures_are_exact_against_the_events(world):
    _build(world)
    # Everything that breached has been escalated by the worker by 07-20.
    escalate_overdue(at("2018-07-20 10:00"))
    with clock.frozen(at("2018-07-20 10:00")):
        moments = [
            at("2018-07-04 12:00"),
            at("2018-07-09 12:00"),
            at("2018-07-10 12:00"),
            at("2018-07-12 00:00"),
            at("2018-07-20 10:00"),
        ]
        expected = {
            # a, b, c open; none overdue
            moments[0]: (3, 0),
            # a handling (on time), b, c, d open; none overdue yet (a resolved 09:00, verify clock)
            moments[1]: (4, 0),
            # a verified at 09:00 (closed from backlog); b breached 07-10 09:00; d paused
            moments[2]: (3, 1),
            # c's assign clock breached 07-11 10:00
            moments[3]: (3, 2),
            moments[4]: (3, 2),
        }
        for moment, (open_count, overdue) in expected.items():
            figures = backlog.figures(world.county, moment)
            assert (figures.open, figures.overdue) == (open_count, overdue), moment
            assert _reference("610327", moment) == (open_count, overdue), moment
        town = backlog.figures(world.chengguan, moments[3])
        assert (town.open, town.overdue) == (2, 1)
        assert _reference("610327100", moments[3]) == (2, 1)


def test_parking_counts_unassigned_overdue_and_long_pauses(world):
    _a, b, c, d = _build(world)
    with clock.frozen(at("2018-07-30 10:00")):
        now = clock.now()
        items = {item.case_id: item for item in backlog.snapshot(world.county, now)}
        # b: never accepted, past its accept limit → parked; c: accepted, never assigned → parked;
        # d: paused since 07-06 09:00; 督查问题 park limit 10 working days → 07-20 09:00 → parked.
        assert {pk: (i.overdue, i.parked, i.paused) for pk, i in items.items()} == {
            b.pk: (True, True, False),
            c.pk: (True, True, False),
            d.pk: (False, True, True),
        }
        figures = backlog.figures(world.county)
        assert (figures.open, figures.overdue, figures.parked, figures.paused) == (3, 2, 3, 1)
        assert figures.ageing == {"7天以内": 0, "8至30天": 3, "31至90天": 0, "90天以上": 0}
        by_town = [(r.label, r.open, r.overdue) for r in backlog.breakdown(world.county, by="town")]
        assert by_town == [("城关镇", 2, 1), ("东风镇", 1, 1)]
        by_kind = [(r.label, r.open) for r in backlog.breakdown(world.county, by="kind")]
        assert by_kind == [("纪律问题", 1), ("信访", 1), ("督查问题", 1)]
        # On 07-19 d had been paused 9 working days: not yet parked.
        items = {i.case_id: i for i in backlog.snapshot(world.county, at("2018-07-19 10:00"))}
        assert items[d.pk].parked is False


def test_unit_scope_counts_cases_the_unit_handles(world):
    _build(world)
    figures = backlog.figures(world.transport, at("2018-07-06 12:00"))
    assert figures.open == 1
    assert backlog.figures(world.transport, at("2018-07-09 12:00")).open == 0
    assert backlog.figures(world.health, at("2018-07-06 12:00")).open == 0


def test_metrics_are_registered_and_read_the_same_figures(world):
    _build(world)
    with clock.frozen(at("2018-07-30 10:00")):
        assert metrics.evaluate("cases.overdue", world.county, dt.date(2018, 7, 30)).value == 2
        assert metrics.evaluate("cases.parked", world.county, dt.date(2018, 7, 30)).value == 3
        assert metrics.evaluate("cases.open", world.county, dt.date(2018, 7, 4)).value == 3
        missing = metrics.evaluate(
            "cases.petition_satisfaction", world.county, dt.date(2018, 7, 30)
        )
        assert missing.value is None
        assert missing.reason == "尚无群众评价"


def test_satisfaction_rate(world):
    case = petition(world)
    step("2018-07-02 10:00", actions.accept_case, world.hq, case)
    step("2018-07-02 11:00", actions.assign_case, world.hq, case, unit=world.chengguan_unit)
    step("2018-07-02 12:00", actions.start_case, world.cadre, case)
    step("2018-07-03 12:00", actions.resolve_case, world.cadre, case, resolution="已解决")
    step("2018-07-04 12:00", actions.rate_petition, Case.objects.get(pk=case.pk), rating="basic")
    with clock.frozen(at("2018-07-05 12:00")):
        result = backlog.satisfaction(world.county)
        assert (result.total, result.rate) == (1, Decimal("100.0"))
    assert CaseEvent.objects.filter(action="rate").count() == 1
