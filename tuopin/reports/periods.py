"""Weekly periods from a campaign's reporting rule (weekday and time, Asia/Shanghai).

Period *n* is due at the n-th reporting deadline on or after the campaign's issue date; it opens
at the previous deadline and locks ``grace_minutes`` after its own deadline.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tuopin.lib import clock
from tuopin.org.models import ResponsibleUnit
from tuopin.plan.models import Campaign
from tuopin.reports.models import Period, ReminderSlot, Report, ReportingRule

DEFAULT_REMINDER_SLOTS = ((4, dt.time(17, 0)), (5, dt.time(9, 0)))


def rule_for(campaign: Campaign) -> ReportingRule:
    """The campaign's rule, created with the defaults (Thu 17:00 and Fri 09:00 reminders)."""
    rule, created = ReportingRule.objects.get_or_create(campaign=campaign)
    if created:
        ReminderSlot.objects.bulk_create(
            [
                ReminderSlot(rule=rule, weekday=day, time=time)
                for day, time in DEFAULT_REMINDER_SLOTS
            ],
            ignore_conflicts=True,
        )
    return rule


def first_deadline(campaign: Campaign, rule: ReportingRule) -> dt.datetime:
    reporting_time = _as_time(campaign.reporting_time)
    if rule.first_deadline:
        return clock.at(rule.first_deadline, reporting_time.hour, reporting_time.minute)
    start = campaign.issued_on or clock.local(campaign.created_at).date()
    offset = (campaign.reporting_weekday - start.isoweekday()) % 7
    return clock.at(start + dt.timedelta(days=offset), reporting_time.hour, reporting_time.minute)


def _as_time(value) -> dt.time:
    if isinstance(value, str):
        return dt.time.fromisoformat(value)
    return value


def last_day(campaign: Campaign) -> dt.date | None:
    """The last phase's end: no periods are generated for weeks after it."""
    ends = [phase.end for phase in campaign.phases.all()]
    return max(ends) if ends else None


def deadlines_until(campaign: Campaign, rule: ReportingRule, now: dt.datetime) -> list[dt.datetime]:
    """Every deadline whose period has opened by ``now`` (the current one included)."""
    first = first_deadline(campaign, rule)
    end = last_day(campaign)
    deadlines = []
    deadline = first
    while True:
        opens = deadline - dt.timedelta(days=7)
        if opens > now:
            break
        if end is not None and opens.date() > end:
            break
        deadlines.append(deadline)
        deadline += dt.timedelta(days=7)
    return deadlines


def responsible_units(campaign: Campaign):
    return (
        ResponsibleUnit.objects.filter(actions__campaign=campaign, is_active=True)
        .distinct()
        .order_by("id")
    )


def ensure_periods(campaign: Campaign, now: dt.datetime | None = None) -> int:
    """Create the periods opened by ``now`` and a report row for every responsible unit."""
    now = now or clock.now()
    rule = rule_for(campaign)
    grace = dt.timedelta(minutes=rule.grace_minutes)
    created = 0
    with transaction.atomic():
        existing = set(Period.objects.filter(campaign=campaign).values_list("number", flat=True))
        new_periods = []
        for index, deadline in enumerate(deadlines_until(campaign, rule, now), start=1):
            if index in existing:
                continue
            opens = deadline - dt.timedelta(days=7)
            new_periods.append(
                Period(
                    campaign=campaign,
                    number=index,
                    opens_at=opens,
                    deadline=deadline,
                    closes_at=deadline + grace,
                )
            )
        Period.objects.bulk_create(new_periods, ignore_conflicts=True)
        created += len(new_periods)
        unit_ids = list(responsible_units(campaign).values_list("id", flat=True))
        for period in Period.objects.filter(campaign=campaign, closed_at__isnull=True):
            created += ensure_reports(period, unit_ids)
    return created


def ensure_reports(period: Period, unit_ids: list[int] | None = None) -> int:
    """Create the missing report rows of an open period (every responsible unit by default)."""
    if unit_ids is None:
        unit_ids = list(responsible_units(period.campaign).values_list("id", flat=True))
    have = set(period.reports.values_list("unit_id", flat=True))
    missing = [unit_id for unit_id in unit_ids if unit_id not in have]
    Report.objects.bulk_create(
        [
            Report(
                period=period,
                unit_id=unit_id,
                deadline=period.deadline,
                closes_at=period.closes_at,
            )
            for unit_id in missing
        ],
        ignore_conflicts=True,
    )
    return len(missing)


def current_period(campaign: Campaign, now: dt.datetime | None = None) -> Period | None:
    """The period being filled now, else the latest one whose deadline has passed."""
    now = now or clock.now()
    periods = Period.objects.filter(campaign=campaign, opens_at__lte=now)
    return (
        periods.filter(deadline__gt=now).order_by("deadline").first()
        or periods.order_by("-deadline").first()
    )


def previous_period(period: Period) -> Period | None:
    return (
        Period.objects.filter(campaign_id=period.campaign_id, number__lt=period.number)
        .order_by("-number")
        .first()
    )
