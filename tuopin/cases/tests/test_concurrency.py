from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tuopin.cases.jobs import escalate_overdue
from tuopin.cases.models import Case, CaseEvent
from tuopin.cases.tests.helpers import at, problem


@pytest.mark.django_db(transaction=True)
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
