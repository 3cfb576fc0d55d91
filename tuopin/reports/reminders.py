"""Digest reminders at the moments HQ sets: in-app, e-mail (SMTP) and a group-robot webhook.

At each reminder moment every recipient gets *one* message listing everything still waiting
for them: reporters and heads of units whose report is not yet signed, heads with a submitted
report awaiting their signature, and the group robot a list of all such units. Each digest is a
:class:`Reminder` row with a unique key; whoever sets its ``sent_at`` first (a conditional
UPDATE) sends it, so two workers never send twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.request
from collections import defaultdict

from django.core.mail import send_mail
from django.urls import reverse

from tuopin.lib import clock
from tuopin.org.models import Role, User
from tuopin.reports.models import (
    Notification,
    Period,
    Reminder,
    Report,
    ReportingRule,
    Status,
    Timeliness,
)

log = logging.getLogger("tuopin.reports.reminders")

# A reminder moment missed by more than this (the worker was down) is skipped, not sent late.
STALE_AFTER = dt.timedelta(hours=6)
WEBHOOK_TIMEOUT = 10


def moments(rule: ReportingRule, period: Period) -> list[dt.datetime]:
    """The reminder moments that fall inside a period's window (opening to lock)."""
    result = []
    day = clock.local(period.opens_at).date()
    last = clock.local(period.closes_at).date()
    slots = list(rule.slots.all())
    while day <= last:
        for slot in slots:
            if slot.weekday == day.isoweekday():
                moment = clock.at(day, slot.time.hour, slot.time.minute)
                if period.opens_at <= moment < period.closes_at:
                    result.append(moment)
        day += dt.timedelta(days=1)
    return sorted(result)


def _waiting(period: Period) -> list[Report]:
    return list(
        Report.objects.filter(period=period)
        .exclude(status__in=[Status.SIGNED, Status.RECEIVED, Status.RETURNED])
        .exclude(timeliness__in=[Timeliness.EXEMPT, Timeliness.MISSING])
        .select_related("unit")
        .order_by("unit__kind", "unit__name")
    )


def _line(report: Report) -> str:
    if report.status == Status.SUBMITTED:
        state = "已提交，待主要领导签字"
    else:
        state = f"{report.get_status_display()}，尚未提交"
    return f"{report.unit.name}：{state}（截止 {clock.local(report.deadline):%m月%d日 %H:%M}）"


def digests(period: Period, moment: dt.datetime) -> tuple[dict[User, list[str]], list[str]]:
    """Per user the lines of their digest, and the lines for the group robot."""
    waiting = _waiting(period)
    by_unit = {report.unit_id: report for report in waiting}
    per_user: dict[User, list[str]] = defaultdict(list)
    users = User.objects.filter(
        unit_id__in=by_unit, is_active=True, role__in=[Role.UNIT_REPORTER, Role.UNIT_HEAD]
    ).order_by("id")
    for user in users:
        report = by_unit[user.unit_id]
        if user.role == Role.UNIT_HEAD and report.status == Status.SUBMITTED:
            per_user[user].append(f"待您签字：{_line(report)}")
        elif report.status != Status.SUBMITTED:
            per_user[user].append(f"本单位周报未提交：{_line(report)}")
    group = [_line(report) for report in waiting]
    return dict(per_user), group


def _subject(period: Period) -> str:
    return f"【周报提醒】{period.campaign.title} {period}"


def plan_reminders(period: Period, moment: dt.datetime) -> int:
    """Create the digest rows for one moment (idempotent: unique key, conflicts ignored)."""
    rule = period.campaign.reporting_rule
    per_user, group = digests(period, moment)
    subject = _subject(period)
    url = reverse("reports:period", args=[period.pk])
    rows = []
    for user, lines in per_user.items():
        body = "\n".join(
            [
                f"{user.display_name}：截至{moment:%m月%d日 %H:%M}，以下事项待办：",
                *lines,
                f"填报入口：{url}",
            ]
        )
        rows.append(
            Reminder(
                period=period,
                due_at=moment,
                channel="app",
                recipient=user,
                address=f"user:{user.pk}",
                subject=subject,
                body=body,
            )
        )
        if rule.email_enabled and user.email:
            rows.append(
                Reminder(
                    period=period,
                    due_at=moment,
                    channel="email",
                    recipient=user,
                    address=user.email,
                    subject=subject,
                    body=body,
                )
            )
    if rule.webhook_url and group:
        body = "\n".join(
            [f"截至{moment:%m月%d日 %H:%M}，以下 {len(group)} 个单位周报尚未签字：", *group]
        )
        rows.append(
            Reminder(
                period=period,
                due_at=moment,
                channel="webhook",
                address=rule.webhook_url,
                subject=subject,
                body=body,
            )
        )
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def webhook_body(kind: str, subject: str, body: str) -> dict:
    """The JSON a work-chat group robot expects (企业微信 markdown or 钉钉 text)."""
    if kind == "dingtalk":
        return {"msgtype": "text", "text": {"content": f"{subject}\n{body}"}}
    lines = "\n".join(f"> {line}" for line in body.splitlines())
    return {"msgtype": "markdown", "markdown": {"content": f"**{subject}**\n{lines}"}}


def deliver(reminder: Reminder) -> None:
    if reminder.channel == "app":
        Notification.objects.create(
            user_id=reminder.recipient_id,
            at=clock.now(),
            title=reminder.subject,
            body=reminder.body,
            url=reverse("reports:period", args=[reminder.period_id]),
        )
    elif reminder.channel == "email":
        send_mail(reminder.subject, reminder.body, None, [reminder.address], fail_silently=False)
    elif reminder.channel == "webhook":
        kind = reminder.period.campaign.reporting_rule.webhook_kind
        data = json.dumps(webhook_body(kind, reminder.subject, reminder.body), ensure_ascii=False)
        request = urllib.request.Request(  # noqa: S310 - HQ-configured intranet URL, http(s) only
            reminder.address,
            data=data.encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
            response.read()


def send_due(now: dt.datetime) -> int:
    """Plan and send every digest whose moment has come; returns how many this worker sent."""
    sent = 0
    periods = Period.objects.filter(
        opens_at__lte=now, closes_at__gt=now, campaign__is_active=True
    ).select_related("campaign", "campaign__reporting_rule")
    for period in periods:
        rule = getattr(period.campaign, "reporting_rule", None)
        if rule is None:
            continue
        for moment in moments(rule, period):
            if moment > now or now - moment > STALE_AFTER:
                continue
            if not Reminder.objects.filter(period=period, due_at=moment).exists():
                plan_reminders(period, moment)
            sent += _send_claimed(period, moment, now)
    return sent


def _send_claimed(period: Period, moment: dt.datetime, now: dt.datetime) -> int:
    sent = 0
    candidates = Reminder.objects.filter(period=period, due_at=moment, sent_at__isnull=True)
    for reminder in candidates.select_related("period__campaign__reporting_rule"):
        claimed = Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(sent_at=now)
        if claimed != 1:
            continue  # another worker has it
        try:
            deliver(reminder)
        except Exception as error:
            log.warning("reminder %s failed: %s", reminder.pk, error)
            Reminder.objects.filter(pk=reminder.pk).update(error=str(error)[:500])
        sent += 1
    return sent
