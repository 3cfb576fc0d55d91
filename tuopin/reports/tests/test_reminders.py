from __future__ import annotations

import datetime as dt
import threading
from unittest import mock

import pytest
from django.db import connection

from tuopin.lib import clock
from tuopin.reports import actions, reminders
from tuopin.reports.models import Notification, Reminder
from tuopin.reports.periods import rule_for
from tuopin.reports.tests.conftest import give_emails, values_for

THURSDAY_1700 = clock.at(dt.date(2018, 7, 19), 17, 0, 30)


def test_it_sends_one_digest_per_recipient_by_email_webhook_and_in_app(setup, world, mail, hook):
    give_emails(world)
    report = setup.report(world.transport)
    with clock.frozen("2018-07-19T10:00:00+08:00"):
        actions.save_report(world.reporter, report, values_for(setup), revision=0)
        actions.submit_report(world.reporter, report, revision=1)
    Notification.objects.all().delete()
    sent = reminders.send_due(THURSDAY_1700)
    by_address = {to[0]: message for to, message in mail.messages}
    assert sorted(by_address) == [
        "head@longxian.gov.cn",
        "other_reporter@longxian.gov.cn",
        "town_head@longxian.gov.cn",
    ]
    head_mail = by_address["head@longxian.gov.cn"]
    assert (
        str(head_mail["Subject"]).strip()
        == "【周报提醒】陇县脱贫攻坚百日冲刺工作方案 第6周（07月20日截止）"
    )
    body = head_mail.get_content()
    assert "待您签字：县交通局：已提交，待主要领导签字（截止 07月20日 12:00）" in body
    assert "本单位周报未提交" not in body
    assert (
        "县卫计局：未填报，尚未提交" in by_address["other_reporter@longxian.gov.cn"].get_content()
    )
    assert len(hook.bodies) == 1
    path, content_type, payload = hook.bodies[0]
    assert path == "/cgi-bin/webhook/send?key=t"
    assert content_type == "application/json; charset=utf-8"
    assert payload["msgtype"] == "markdown"
    content = payload["markdown"]["content"]
    assert "以下 4 个单位周报尚未签字" in content
    assert "> 县交通局：已提交，待主要领导签字" in content
    # reporter (transport) has nothing to do: the head has it; every other unit's people get one.
    notified = sorted(Notification.objects.values_list("user__username", flat=True))
    assert notified == ["head", "other_head", "other_reporter", "town_head", "town_reporter"]
    assert sent == 5 + 3 + 1
    assert reminders.send_due(THURSDAY_1700 + dt.timedelta(minutes=1)) == 0
    assert len(mail.messages) == 3
    assert len(hook.bodies) == 1


def test_it_speaks_dingtalk_when_configured(setup, world, hook):
    rule = rule_for(setup.campaign)
    rule.webhook_kind = "dingtalk"
    rule.save()
    reminders.send_due(clock.at(dt.date(2018, 7, 20), 9, 0))
    payload = hook.bodies[0][2]
    assert payload["msgtype"] == "text"
    assert payload["text"]["content"].startswith("【周报提醒】")
    assert "县卫计局：未填报，尚未提交" in payload["text"]["content"]


def test_it_sends_nothing_before_the_moment_or_long_after(setup, world, hook):
    assert reminders.send_due(clock.at(dt.date(2018, 7, 19), 16, 59, 59)) == 0
    assert reminders.send_due(clock.at(dt.date(2018, 7, 19), 23, 30)) == 0
    assert Reminder.objects.count() == 0


def test_it_records_a_failed_channel_and_goes_on(setup, world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    give_emails(world)
    reminders.send_due(THURSDAY_1700)
    failed = Reminder.objects.filter(channel="email")
    assert failed.count() == 4
    assert all(r.error for r in failed)
    assert Notification.objects.filter(user=world.reporter).count() == 1


def test_it_never_sends_twice_when_a_second_worker_runs_in_between(setup, world, mail):
    """Worker B runs a whole pass while worker A is delivering its first claimed digest."""
    give_emails(world)
    real = reminders.deliver
    calls = []

    def deliver_and_let_b_run(reminder):
        calls.append(reminder.pk)
        if len(calls) == 1:
            reminders.send_due(THURSDAY_1700)
        real(reminder)

    with mock.patch.object(reminders, "deliver", side_effect=deliver_and_let_b_run):
        reminders.send_due(THURSDAY_1700)
    assert sorted(calls) == sorted(Reminder.objects.values_list("pk", flat=True))
    assert len(calls) == len(set(calls)) == 10
    assert len(mail.messages) == 4


IN_MEMORY_SQLITE = pytest.mark.skipif(
    connection.vendor == "sqlite" and connection.is_in_memory_db(),
    reason="SQLite's in-memory shared-cache database locks tables instead of waiting; "
    "the project's test settings use a file database, where threads wait as in production",
)


@IN_MEMORY_SQLITE
@pytest.mark.django_db(transaction=True)
def test_it_sends_once_when_two_workers_run_at_the_same_time(setup, world, mail):
    give_emails(world)
    barrier = threading.Barrier(2)
    results = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(reminders.send_due(THURSDAY_1700))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == Reminder.objects.count() == 10
    assert len(mail.messages) == 4
    assert Notification.objects.count() == 6
