"""The reporting jobs `tuopin worker` / `tuopin tick` run; each is idempotent and claims its rows.

Order: open periods (10) → mark overdue (20) → close and mark missing (30) → reminders (40).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from tuopin.plan.models import Campaign
from tuopin.reports import reminders
from tuopin.reports.models import Period, Report, Timeliness
from tuopin.reports.periods import ensure_periods


def open_periods(now: dt.datetime) -> int:
    """Create the periods (and one report row per unit) that have opened by now."""
    return sum(
        ensure_periods(campaign, now) for campaign in Campaign.objects.filter(is_active=True)
    )


def mark_overdue(now: dt.datetime) -> int:
    """Reports past their unit's deadline and not signed become 已超时未签."""
    return Report.objects.filter(
        timeliness=Timeliness.PENDING, deadline__lte=now, first_signed_at__isnull=True
    ).update(timeliness=Timeliness.OVERDUE)


def close_periods(now: dt.datetime) -> int:
    """At the lock, unsigned reports become 漏报 and the period is marked closed."""
    missing = Report.objects.filter(
        Q(timeliness=Timeliness.PENDING) | Q(timeliness=Timeliness.OVERDUE),
        closes_at__lte=now,
        first_signed_at__isnull=True,
    ).update(timeliness=Timeliness.MISSING)
    closed = (
        Period.objects.filter(closes_at__lte=now, closed_at__isnull=True)
        .exclude(reports__closes_at__gt=now)
        .update(closed_at=now)
    )
    return missing + closed


def send_reminders(now: dt.datetime) -> int:
    return reminders.send_due(now)


def register() -> None:
    from tuopin.lib import jobs

    jobs.register("reports.open_periods", open_periods, order=10)
    jobs.register("reports.mark_overdue", mark_overdue, order=20)
    jobs.register("reports.close_periods", close_periods, order=30)
    jobs.register("reports.send_reminders", send_reminders, order=40)
