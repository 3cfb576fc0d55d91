from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tuopin.cases import actions
from tuopin.cases.jobs import escalate_overdue
from tuopin.cases.models import Case, CaseEvent, PetitionRating, StageClock
from tuopin.cases.tests.helpers import at, petition, problem, refresh, step
from tuopin.org.testing import post_together, run_together

# Threads have their own connections: they see only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_never_double_escalate(world):
    for day in range(2, 22):
        problem(world, f"2018-06-{day:02d} 09:00")
    moment = at("2018-07-20 10:00")
    results: list[int] = []
    if connection.vendor == "postgresql":
        # Real concurrent writers: each claim is a conditional UPDATE that waits for the other.
        barrier = threading.Barrier(4)

        def worker() -> None:
            try:
                barrier.wait()
                results.append(escalate_overdue(moment))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        # SQLite serialises writers (IMMEDIATE transactions): the passes run one after another.
        results = [escalate_overdue(moment) for _ in range(4)]
        assert results == [20, 0, 0, 0]
    assert sum(results) == 20
    assert CaseEvent.objects.filter(action="escalate").count() == 20
    assert set(Case.objects.values_list("escalation_count", flat=True)) == {1}


# The race runs the next morning, long before any stage deadline (no escalation in between).
RACE_AT = "2018-07-03T10:00:00+08:00"
TIMES = 8

# step → (the moves that bring a new case to where the step applies, who acts, API note)
STEPS = {
    "accept": ([], "hq", ""),
    "reject": ([], "hq", "不属于受理范围"),
    "assign": (["accept"], "hq", ""),
    "start": (["accept", "assign"], "reporter", ""),
    "return": (["accept", "assign"], "reporter", "非本单位职责"),
    "pause": (["accept", "assign"], "reporter", "等待群众补充材料"),
    "resume": (["accept", "assign", "pause"], "reporter", ""),
    "resolve": (["accept", "assign", "start"], "reporter", "已整改到位"),
    "verify": (["accept", "assign", "start", "resolve"], "inspector", ""),
    "close": (["accept", "assign", "start", "resolve", "verify"], "hq", ""),
    "reopen": (["accept", "assign", "start", "resolve", "verify", "close"], "hq", "再次反映"),
}


def _bring(world, case: Case, moves: list[str]) -> Case:
    calls = {
        "accept": lambda c: actions.accept_case(world.hq, c),
        "assign": lambda c: actions.assign_case(world.hq, c, unit=world.transport),
        "start": lambda c: actions.start_case(world.reporter, c),
        "pause": lambda c: actions.pause_case(world.reporter, c, reason="等待材料"),
        "resolve": lambda c: actions.resolve_case(world.reporter, c, resolution="已处理"),
        "verify": lambda c: actions.verify_case(world.inspector, c),
        "close": lambda c: actions.close_case(world.hq, c),
    }
    for hour, move in enumerate(moves, start=10):
        step(f"2018-07-02 {hour:02d}:00", calls[move], refresh(case))
    return refresh(case)


@pytest.mark.parametrize("name", list(STEPS))
def test_a_step_sent_eight_times_at_once_is_done_once(world, name):
    moves, who, note = STEPS[name]
    case = _bring(world, problem(world, "2018-07-02 09:00"), moves)
    body = {"note": note, "unit_id": world.transport.pk}
    responses = post_together(
        getattr(world, who), f"/api/cases/{case.pk}/actions/{name}", body, times=TIMES, at=RACE_AT
    )
    statuses = sorted(r.status_code for r in responses)
    refused = [r.json()["detail"] for r in responses if r.status_code != 200]
    if name == "return":
        # The case left the unit with the first return: the others no longer see it (404) or
        # may no longer act on it (403).
        assert statuses[0] == 200 and set(statuses[1:]) <= {403, 404}, statuses
        assert set(refused) <= {"未找到或无权查看", "只有承办单位的人员才能办理此件"}
    else:
        assert statuses == [200] + [409] * (TIMES - 1), [r.content for r in responses]
        assert all(detail.startswith(f"{case.number} ") for detail in refused)
    assert CaseEvent.objects.filter(case=case, action=name).count() == 1
    # Never two clocks running for one case.
    assert StageClock.objects.filter(case=case, ended_at__isnull=True).count() <= 1


def test_a_petitioner_rating_sent_eight_times_at_once_counts_once(world):
    case = _bring(world, petition(world, "2018-07-02 09:00"), ["accept", "assign", "start"])
    step("2018-07-02 13:00", actions.resolve_case, world.reporter, case, resolution="已处理")
    outcomes = run_together(
        [lambda: actions.rate_petition(refresh(case), rating="unsatisfied", comment="不公平")]
        * TIMES,
        at=RACE_AT,
    )
    rated = [o for o in outcomes if isinstance(o, PetitionRating)]
    refused = [o for o in outcomes if isinstance(o, actions.CaseConflict)]
    assert (len(rated), len(refused)) == (1, TIMES - 1), outcomes
    assert PetitionRating.objects.filter(case=case).count() == 1
    # 不满意 reopens the case once: one review round, not eight.
    assert CaseEvent.objects.filter(case=case, action="reopen").count() == 1
    assert refresh(case).round == 2
