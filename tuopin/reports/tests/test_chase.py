"""催报: HQ reminds one unit or every unsigned unit now, through the reminder channels."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse

from tuopin.lib import clock
from tuopin.org.models import AuditEvent
from tuopin.reports import reminders
from tuopin.reports.models import Notification, Reminder, ReportEvent
from tuopin.reports.periods import rule_for

SUBJECT = "【催报】陇县脱贫攻坚百日冲刺工作方案 第6周（07月20日截止）"


@pytest.fixture
def emails(world):
    users = (
        world.reporter,
        world.head,
        world.other_reporter,
        world.other_head,
        world.town_reporter,
        world.town_head,
    )
    for user in users:
        user.email = f"{user.username}@longxian.gov.cn"
        user.save(update_fields=["email"])


def _mailed(mail) -> dict[str, str]:
    """{recipient: body}; fails if anyone got two messages or a message went to two people."""
    assert all(len(to) == 1 for to, _message in mail.messages)
    recipients = [to[0] for to, _message in mail.messages]
    assert len(recipients) == len(set(recipients))
    for _to, message in mail.messages:
        assert str(message["Subject"]).strip() == SUBJECT
    return {to[0]: message.get_content() for to, message in mail.messages}


def _chase_notices() -> list[str]:
    return sorted(
        Notification.objects.filter(title=SUBJECT).values_list("user__username", flat=True)
    )


def test_it_chases_one_unit_by_email_webhook_and_in_app(friday, world, mail, hook, emails):
    result = reminders.chase(friday.period, world.health, actor=world.hq)
    assert [unit.name for unit in result.chased] == ["县卫计局"]
    # The report waits for its head: only the head is chased, once per channel.
    body = _mailed(mail)["other_head@longxian.gov.cn"]
    assert list(_mailed(mail)) == ["other_head@longxian.gov.cn"]
    assert "催报：截至07月20日 10:00，以下事项待办：" in body
    assert "待您签字：县卫计局：已提交，待主要领导签字（截止 07月20日 12:00）" in body
    assert _chase_notices() == ["other_head"]
    assert len(hook.bodies) == 1
    content = hook.bodies[0][2]["markdown"]["content"]
    assert "以下 1 个单位周报尚未签字" in content and "> 县卫计局：已提交" in content
    rows = Reminder.objects.filter(chased_by=world.hq)
    assert sorted(rows.values_list("channel", flat=True)) == ["app", "email", "webhook"]
    assert all(row.sent_at == clock.now() and row.error == "" for row in rows)
    event = ReportEvent.objects.get(action="催报")
    assert (event.report, event.actor, event.note) == (
        friday.report(world.health),
        world.hq,
        "站内通知 1 条、邮件 1 条、群机器人 1 条",
    )
    audit = AuditEvent.objects.get(action="催报")
    assert (audit.actor, audit.object_id, audit.model) == (
        world.hq,
        str(friday.report(world.health).pk),
        "reports.report",
    )


def test_it_chases_every_unsigned_unit_at_once(friday, world, mail, hook, emails):
    result = reminders.chase(friday.period, None, actor=world.hq)
    assert [unit.name for unit in result.chased] == ["县卫计局", "东风镇", "城关镇"]
    assert [unit.name for unit in result.unreachable] == ["东风镇"]  # no accounts
    mailed = _mailed(mail)
    assert sorted(mailed) == [
        "other_head@longxian.gov.cn",
        "town_head@longxian.gov.cn",
        "town_reporter@longxian.gov.cn",
    ]
    assert "本单位周报未提交：城关镇：草稿，尚未提交" in mailed["town_reporter@longxian.gov.cn"]
    assert _chase_notices() == ["other_head", "town_head", "town_reporter"]
    assert len(hook.bodies) == 1
    content = hook.bodies[0][2]["markdown"]["content"]
    assert "以下 3 个单位周报尚未签字" in content and "> 东风镇：未填报，尚未提交" in content
    notes = dict(
        ReportEvent.objects.filter(action="催报").values_list("report__unit__name", "note")
    )
    assert notes == {
        "县卫计局": "站内通知 1 条、邮件 1 条、群机器人 1 条",
        "城关镇": "站内通知 2 条、邮件 2 条、群机器人 1 条",
        "东风镇": "群机器人 1 条",
    }
    assert AuditEvent.objects.filter(action="催报", actor=world.hq).count() == 3


def test_it_does_not_chase_again_within_the_quiet_interval(friday, world, mail, emails):
    reminders.chase(friday.period, world.health, actor=world.hq)
    with pytest.raises(
        reminders.ChaseRefused, match=r"县卫计局（10:00）刚催报过，30 分钟内不重复催报"
    ):
        reminders.chase(friday.period, world.health, actor=world.hq)
    # "All" leaves out the unit just chased and chases the others.
    with clock.frozen("2018-07-20T10:10:00+08:00"):
        result = reminders.chase(friday.period, None, actor=world.hq)
    assert [unit.name for unit in result.chased] == ["东风镇", "城关镇"]
    assert [(unit.name, at) for unit, at in result.recently] == [
        ("县卫计局", clock.at(dt.date(2018, 7, 20), 10))
    ]
    assert sorted(to[0] for to, _message in mail.messages) == [
        "other_head@longxian.gov.cn",
        "town_head@longxian.gov.cn",
        "town_reporter@longxian.gov.cn",
    ]
    with clock.frozen("2018-07-20T10:31:00+08:00"):
        again = reminders.chase(friday.period, world.health, actor=world.hq)
    assert [unit.name for unit in again.chased] == ["县卫计局"]
    assert len(mail.messages) == 4


def test_it_refuses_a_signed_unit_and_a_closed_period(friday, world):
    with pytest.raises(reminders.ChaseRefused, match="县交通局本周周报已签字、免报或已锁定"):
        reminders.chase(friday.period, world.transport, actor=world.hq)
    friday.period.closed_at = clock.now()
    friday.period.save(update_fields=["closed_at"])
    with pytest.raises(reminders.ChaseRefused, match="已锁定，不能再催报"):
        reminders.chase(friday.period, None, actor=world.hq)
    assert not Reminder.objects.exists() and not ReportEvent.objects.filter(action="催报").exists()


def test_the_worker_delivers_a_chase_the_request_did_not_get_to_send(friday, world, mail, emails):
    rule_for(friday.campaign).slots.all().delete()  # only the chase is due
    with mock.patch.object(reminders, "send_claimed"):
        reminders.chase(friday.period, world.health, actor=world.hq)
    assert mail.messages == [] and _chase_notices() == []
    assert reminders.send_due(clock.now() + dt.timedelta(minutes=1)) == 2
    assert list(_mailed(mail)) == ["other_head@longxian.gov.cn"]
    assert _chase_notices() == ["other_head"]
    assert reminders.send_due(clock.now() + dt.timedelta(minutes=2)) == 0


def test_it_chases_from_the_period_page_and_keeps_the_filter(friday, world, login, mail, emails):
    url = reverse("reports:chase", args=[friday.period.pk])
    client = login(world.hq)
    response = client.post(url, {"unit": world.health.pk, "next_query": "show=unsigned&evil=1"})
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("reports:period", args=[friday.period.pk]) + "?show=unsigned"
    )
    page = client.get(response["Location"]).content.decode()
    assert "已向 1 个单位催报：县卫计局" in page
    assert "07-20 10:00 " in page and "已催报" in page
    everyone = client.post(url, {"next_query": ""}, follow=True).content.decode()
    assert "已向 2 个单位催报：东风镇、城关镇" in everyone
    assert "县卫计局（10:00）刚催报过，本次未重复催报" in everyone
    assert "东风镇没有可接收提醒的账号，请电话联系" in everyone
    assert ReportEvent.objects.get(action="催报", report__unit=world.dongfeng_unit).note == (
        "未发出：没有接收提醒的账号，也未设置群机器人"
    )
    refused = client.post(url, {"unit": world.transport.pk}, follow=True).content.decode()
    assert "县交通局本周周报已签字、免报或已锁定，无需催报" in refused
    assert client.post(url, {"unit": "abc"}).status_code == 404
    assert client.post(url, {"unit": "999999"}).status_code == 404
    assert ReportEvent.objects.filter(action="催报").count() == 3


@pytest.mark.parametrize(
    ("who", "expected"), [("viewer", 403), ("reporter", 403), ("village_cadre", 404), (None, 302)]
)
def test_it_lets_only_hq_chase(friday, world, login, mail, emails, who, expected):
    user = getattr(world, who) if who else None
    response = login(user).post(
        reverse("reports:chase", args=[friday.period.pk]), {"unit": world.health.pk}
    )
    assert response.status_code == expected
    assert not Reminder.objects.exists() and mail.messages == []
    assert not ReportEvent.objects.filter(action="催报").exists()
