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
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from tuopin.lib import clock
from tuopin.org import audit
from tuopin.org.access import require
from tuopin.org.models import ResponsibleUnit, Role, User
from tuopin.reports.models import (
    Notification,
    Period,
    Reminder,
    Report,
    ReportEvent,
    ReportingRule,
    Status,
    Timeliness,
)
from tuopin.reports.periods import ensure_reports, rule_for

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


def waiting(period: Period) -> list[Report]:
    """Reports still waiting for their unit: not signed, not exempt, not locked as missing."""
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


def digests(reports: list[Report]) -> tuple[dict[User, list[str]], list[str]]:
    """Per user the lines of their digest, and the lines for the group robot."""
    by_unit = {report.unit_id: report for report in reports}
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
    group = [_line(report) for report in reports]
    return dict(per_user), group


def _subject(period: Period) -> str:
    return f"【周报提醒】{period.campaign.title} {period}"


def plan_reminders(period: Period, moment: dt.datetime) -> int:
    """Create the digest rows for one moment (idempotent: unique key, conflicts ignored)."""
    per_user, group = digests(waiting(period))
    rows = _rows(
        period,
        moment,
        per_user,
        group,
        subject=_subject(period),
        lead=f"截至{moment:%m月%d日 %H:%M}",
    )
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _rows(
    period: Period,
    moment: dt.datetime,
    per_user: dict[User, list[str]],
    group: list[str],
    *,
    subject: str,
    lead: str,
    chased_by: User | None = None,
) -> list[Reminder]:
    """One row per recipient and channel: in-app, e-mail (when on and known), group robot."""
    rule = period.campaign.reporting_rule
    url = reverse("reports:period", args=[period.pk])
    common = {"period": period, "due_at": moment, "subject": subject, "chased_by": chased_by}
    rows = []
    for user, lines in per_user.items():
        body = "\n".join(
            [f"{user.display_name}：{lead}，以下事项待办：", *lines, f"填报入口：{url}"]
        )
        rows.append(
            Reminder(channel="app", recipient=user, address=f"user:{user.pk}", body=body, **common)
        )
        if rule.email_enabled and user.email:
            rows.append(
                Reminder(channel="email", recipient=user, address=user.email, body=body, **common)
            )
    if rule.webhook_url and group:
        body = "\n".join([f"{lead}，以下 {len(group)} 个单位周报尚未签字：", *group])
        rows.append(Reminder(channel="webhook", address=rule.webhook_url, body=body, **common))
    return rows


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
    """Plan and send every digest whose moment has come; returns how many this worker sent.

    Also sends any 催报 row a web request committed but did not get to deliver.
    """
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
            scheduled = Reminder.objects.filter(
                period=period, due_at=moment, chased_by__isnull=True
            )
            if not scheduled.exists():
                plan_reminders(period, moment)
    return send_claimed(
        Reminder.objects.filter(period__in=periods, due_at__lte=now, due_at__gte=now - STALE_AFTER),
        now,
    )


def send_claimed(candidates, now: dt.datetime) -> int:
    """Deliver the unsent rows among ``candidates``, each claimed first so it goes out once."""
    sent = 0
    unsent = candidates.filter(sent_at__isnull=True).order_by("due_at", "id")
    for reminder in unsent.select_related("period__campaign__reporting_rule"):
        claimed = Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(sent_at=now)
        if claimed != 1:
            continue  # another worker has it
        try:
            deliver(reminder)
        except Exception as error:
            log.warning("reminder %s failed: %s", reminder.pk, error)
            reminder.error = str(error)[:500]
            Reminder.objects.filter(pk=reminder.pk).update(error=reminder.error)
        sent += 1
    return sent


# --- 催报: HQ chases units by hand ------------------------------------------------------------

CHASE_QUIET = dt.timedelta(minutes=30)  # a unit chased less than this ago is not chased again
CHASE_ACTION = "催报"


class ChaseRefused(ValueError):
    """A 催报 that cannot be sent; the message says why in Chinese."""


@dataclass
class ChaseResult:
    chased: list[ResponsibleUnit] = field(default_factory=list)
    recently: list[tuple[ResponsibleUnit, dt.datetime]] = field(default_factory=list)
    unreachable: list[ResponsibleUnit] = field(default_factory=list)  # nobody to send to
    reminder_ids: list[int] = field(default_factory=list)


def last_chases(period: Period) -> dict[int, ReportEvent]:
    """{unit id: the latest 催报 event} for a period."""
    events = (
        ReportEvent.objects.filter(report__period=period, action=CHASE_ACTION)
        .select_related("actor", "report")
        .order_by("at", "id")
    )
    return {event.report.unit_id: event for event in events}


def chase(
    period: Period, unit: ResponsibleUnit | None, *, actor, source: str = "web"
) -> ChaseResult:
    """Remind one unit (or, with ``unit=None``, every unsigned unit) now, through the period's
    reminder channels; records who chased on each report and in the audit log.

    A unit chased within :data:`CHASE_QUIET` is left out (refused when it was the only one).
    The rows are committed first and delivered after, outside the transaction; a delivery the
    request does not finish is picked up by the worker's next pass.
    """
    require(actor, "reports.manage", period)
    now = clock.now()
    if period.closed_at is not None:
        raise ChaseRefused(f"{period}已锁定，不能再催报")
    if now < period.opens_at:
        raise ChaseRefused(f"{period}尚未开始填报，无需催报")
    rule_for(period.campaign)
    ensure_reports(period)
    result = ChaseResult()
    with transaction.atomic():
        reports = Report.objects.select_for_update(of=("self",)).filter(period=period)
        if unit is not None:
            reports = reports.filter(unit=unit)
        reports = list(reports.select_related("unit").order_by("unit__kind", "unit__name"))
        if unit is not None and not reports:
            raise ChaseRefused("所选单位不是本周期的报送单位")
        open_reports = [
            report
            for report in reports
            if report.first_signed_at is None
            and report.timeliness not in (Timeliness.EXEMPT, Timeliness.MISSING)
            and report.closes_at > now
        ]
        if not open_reports:
            if unit is not None:
                raise ChaseRefused(f"{unit.name}本周周报已签字、免报或已锁定，无需催报")
            raise ChaseRefused(f"{period}所有单位均已签字（或免报），无需催报")
        recent = {
            event.report_id: event.at
            for event in ReportEvent.objects.filter(
                report__in=open_reports, action=CHASE_ACTION, at__gt=now - CHASE_QUIET
            ).order_by("at")
        }
        to_chase = []
        for report in open_reports:
            if report.pk in recent:
                result.recently.append((report.unit, recent[report.pk]))
            else:
                to_chase.append(report)
        if not to_chase:
            names = "、".join(
                f"{chased.name}（{clock.local(at):%H:%M}）" for chased, at in result.recently
            )
            minutes = int(CHASE_QUIET.total_seconds() // 60)
            raise ChaseRefused(f"{names}刚催报过，{minutes} 分钟内不重复催报")
        per_user, group = digests(to_chase)
        reached = {user.unit_id for user in per_user}
        rows = _rows(
            period,
            now,
            per_user,
            group,
            subject=f"【催报】{period.campaign.title} {period}",
            lead=f"{actor.display_name}催报：截至{clock.local(now):%m月%d日 %H:%M}",
            chased_by=actor,
        )
        created = Reminder.objects.bulk_create(rows)
        result.reminder_ids = [row.pk for row in created]
        # Each report's history says what reached that unit (its people, and the group robot).
        ReportEvent.objects.bulk_create(
            [
                ReportEvent(
                    report=report,
                    at=now,
                    actor=actor,
                    action=CHASE_ACTION,
                    note=_channel_summary(
                        [
                            row
                            for row in rows
                            if row.recipient is None or row.recipient.unit_id == report.unit_id
                        ]
                    ),
                    source=source,
                )
                for report in to_chase
            ]
        )
        audit.record_many(
            [(report, {}) for report in to_chase],
            actor=actor,
            action=CHASE_ACTION,
            source=source,
            note=f"{period}：{_channel_summary(rows)}",
            at=now,
        )
        result.chased = [report.unit for report in to_chase]
        result.unreachable = [report.unit for report in to_chase if report.unit_id not in reached]
    send_claimed(Reminder.objects.filter(pk__in=result.reminder_ids), now)
    return result


def _channel_summary(rows: list[Reminder]) -> str:
    if not rows:
        return "未发出：没有接收提醒的账号，也未设置群机器人"
    counts = Counter(row.channel for row in rows)
    labels = dict(Reminder.CHANNELS)
    return "、".join(
        f"{labels[channel]} {counts[channel]} 条" for channel in labels if counts[channel]
    )
