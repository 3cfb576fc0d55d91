"""Racing requests (threads, one database connection each; SQLite file or PostgreSQL).

Every state change locks the report row and checks the state after the lock is granted, so of
N identical requests sent at the same instant exactly one changes the report; the others are
refused in Chinese (409 from the API) and write nothing — with or without the ``revision``.
"""

from __future__ import annotations

import pytest

from tuopin.lib import clock
from tuopin.org.testing import post_together, run_together
from tuopin.plan.models import Measurement
from tuopin.reports import actions
from tuopin.reports.models import Notification, Report, ReportEvent, ReportVersion
from tuopin.reports.tests.conftest import values_for
from tuopin.reports.tests.test_reminders import IN_MEMORY_SQLITE

pytestmark = [IN_MEMORY_SQLITE, pytest.mark.django_db(transaction=True)]

ELEVEN_FIFTY_NINE = "2018-07-20T11:59:00+08:00"
TIMES = 8


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

    outcomes = run_together([cycle(*pair) for pair in pairs], at=ELEVEN_FIFTY_NINE)
    assert outcomes == ["ok", "ok", "ok"]
    signed = Report.objects.filter(period=setup.period, timeliness="on_time")
    assert sorted(signed.values_list("unit__name", flat=True)) == ["县交通局", "县卫计局", "城关镇"]


def test_it_lets_only_one_of_two_racing_submissions_through(setup, world):
    report = setup.report(world.transport)
    with clock.frozen("2018-07-20T11:00:00+08:00"):
        actions.save_report(world.reporter, report, values_for(setup), revision=0)

    def submit(user):
        return lambda: actions.submit_report(user, Report.objects.get(pk=report.pk), revision=1)

    outcomes = run_together([submit(world.reporter), submit(world.head)], at=ELEVEN_FIFTY_NINE)
    errors = [o for o in outcomes if isinstance(o, actions.ReportError)]
    assert len(errors) == 1
    assert "已被他人修改" in errors[0].message
    assert ReportEvent.objects.filter(report=report, action="提交").count() == 1
    report.refresh_from_db()
    assert (report.status, report.revision) == ("submitted", 2)


# step name → (state the report is brought to first, who acts, the API path, the action call)
STEPS = {
    "submit": ("draft", "reporter", "submit", "提交"),
    "sign": ("submitted", "head", "sign", "签字"),
    "receive": ("signed", "hq", "receive", "接收"),
    "return": ("signed", "hq", "return", "退回"),
    "revise": ("signed", "reporter", "revise", "新建版本"),
}
REFUSALS = {
    "submit": "无需重复提交",
    "sign": "只有已提交待签字的周报才能签字",
    "receive": "只有已签字的周报才能接收",
    "return": "不能退回",
    "revise": "当前版本尚未签字",
}


def _bring(setup, world, state: str) -> Report:
    report = setup.report(world.transport)
    with clock.frozen("2018-07-20T11:00:00+08:00"):
        actions.save_report(world.reporter, report, values_for(setup), revision=0)
        if state in ("submitted", "signed"):
            actions.submit_report(world.reporter, report, revision=1)
        if state == "signed":
            actions.sign_report(world.head, report, revision=2)
    return Report.objects.get(pk=report.pk)


def _call(step: str, user, report_id: int, revision: int | None):
    report = Report.objects.get(pk=report_id)
    if step == "submit":
        return actions.submit_report(user, report, revision=revision)
    if step == "sign":
        return actions.sign_report(user, report, revision=revision)
    if step == "receive":
        return actions.receive_report(user, report, revision=revision)
    if step == "return":
        return actions.return_report(user, report, revision=revision, reason="数据需核实")
    return actions.revise_report(user, report, revision=revision)


def _assert_done_once(setup, world, report: Report, step: str) -> None:
    event = STEPS[step][3]
    assert ReportEvent.objects.filter(report=report, action=event).count() == 1
    report.refresh_from_db()
    assert report.changed_after_signing is False
    # One signature wrote the two milestone values once; nothing else wrote any.
    assert Measurement.objects.filter(unit=world.transport).count() == (
        0 if STEPS[step][0] == "draft" else 2
    )
    expected_versions = 2 if step == "revise" else 1
    assert ReportVersion.objects.filter(report=report).count() == expected_versions
    if step == "return":
        assert Notification.objects.filter(title__contains="被退回").count() == 2


@pytest.mark.parametrize("step", list(STEPS))
def test_it_does_a_step_once_when_the_api_gets_it_eight_times_at_once(setup, world, step):
    state, who, path, _event = STEPS[step]
    report = _bring(setup, world, state)
    body = {"revision": report.revision, "reason": "数据需核实"}
    responses = post_together(
        getattr(world, who),
        f"/api/reports/reports/{report.pk}/{path}",
        body,
        times=TIMES,
        at=ELEVEN_FIFTY_NINE,
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (TIMES - 1)
    refused = [r.json() for r in responses if r.status_code == 409]
    assert all("本次操作未执行" in answer["detail"] for answer in refused)
    _assert_done_once(setup, world, report, step)


@pytest.mark.parametrize("step", list(STEPS))
def test_it_does_a_step_once_without_a_revision(setup, world, step):
    """The web form may post no revision: the state check after the lock is what refuses."""
    state, who, _path, _event = STEPS[step]
    report = _bring(setup, world, state)
    user = getattr(world, who)
    outcomes = run_together(
        [lambda: _call(step, user, report.pk, None)] * TIMES, at=ELEVEN_FIFTY_NINE
    )
    done = [o for o in outcomes if isinstance(o, ReportVersion)]
    refused = [o for o in outcomes if isinstance(o, actions.ReportConflict)]
    assert (len(done), len(refused)) == (1, TIMES - 1), outcomes
    assert all(REFUSALS[step] in error.message for error in refused)
    _assert_done_once(setup, world, report, step)
    report.refresh_from_db()
    assert report.revision == done[0].report.revision


def test_eight_signatures_through_the_web_form_sign_once(setup, world):
    report = _bring(setup, world, "submitted")
    responses = post_together(
        world.head,
        f"/reports/report/{report.pk}/sign/",
        {"confirm": "1"},
        times=TIMES,
        at=ELEVEN_FIFTY_NINE,
        form=True,
    )
    assert [r.status_code for r in responses] == [302] * TIMES
    _assert_done_once(setup, world, report, "sign")
    report.refresh_from_db()
    assert (report.status, report.timeliness) == ("signed", "on_time")
