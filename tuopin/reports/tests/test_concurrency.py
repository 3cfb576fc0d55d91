"""Concurrent Friday 11:59 submissions (threads; PostgreSQL, or any file-based database)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tuopin.lib import clock
from tuopin.reports import actions
from tuopin.reports.models import Report, ReportEvent
from tuopin.reports.tests.conftest import values_for
from tuopin.reports.tests.test_reminders import IN_MEMORY_SQLITE

pytestmark = [IN_MEMORY_SQLITE, pytest.mark.django_db(transaction=True)]


def _run_together(jobs) -> list:
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(index, job) -> None:
        try:
            barrier.wait()
            with clock.frozen("2018-07-20T11:59:00+08:00"):
                outcomes[index] = job()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_it_lands_every_units_submission_at_11_59(setup, world):
    pairs = [
        (world.reporter, world.head, world.transport, setup.roads.pk),
        (world.town_reporter, world.town_head, world.chengguan_unit, setup.roads.pk),
        (world.other_reporter, world.other_head, world.health, setup.health_action.pk),
    ]

    def cycle(reporter, head, unit, action_id):
        def job():
            report = Report.objects.get(period=setup.period, unit=unit)
            data = (
                values_for(setup)
                if action_id == setup.roads.pk
                else {"actions": [{"action": action_id, "progress": "卫生室建设推进"}]}
            )
            actions.save_report(reporter, report, data, revision=0)
            actions.submit_report(reporter, report, revision=1)
            actions.sign_report(head, report, revision=2)
            return "ok"

        return job

    outcomes = _run_together([cycle(*pair) for pair in pairs])
    assert outcomes == ["ok", "ok", "ok"]
    signed = Report.objects.filter(period=setup.period, timeliness="on_time")
    assert sorted(signed.values_list("unit__name", flat=True)) == ["县交通局", "县卫计局", "城关镇"]


def test_it_lets_only_one_of_two_racing_submissions_through(setup, world):
    report = setup.report(world.transport)
    with clock.frozen("2018-07-20T11:00:00+08:00"):
        actions.save_report(world.reporter, report, values_for(setup), revision=0)

    def submit(user):
        return lambda: actions.submit_report(user, Report.objects.get(pk=report.pk), revision=1)

    outcomes = _run_together([submit(world.reporter), submit(world.head)])
    errors = [o for o in outcomes if isinstance(o, actions.ReportError)]
    assert len(errors) == 1
    assert "已被他人修改" in errors[0].message
    assert ReportEvent.objects.filter(report=report, action="提交").count() == 1
    report.refresh_from_db()
    assert (report.status, report.revision) == ("submitted", 2)
