"""Accountability candidates proposed by the data: the system proposes, people decide.

Two rules, both read from records the other apps keep: a unit whose weekly report was late or
missing three weeks running (``reports``), and a case still open more than ``days`` past its
stage limit (``cases``). A candidate already answered by a record on or after the day it arose
is shown as such, not proposed again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from tuopin.cases.models import OPEN_STATES, Case, StageClock
from tuopin.command.models import AccountabilityRecord, ReasonKind
from tuopin.lib import clock
from tuopin.org.models import ResponsibleUnit
from tuopin.plan.models import Campaign
from tuopin.reports.models import Report, Timeliness
from tuopin.reports.timeliness import recent_periods

LATE_WEEKS = 3
OVERDUE_DAYS = 10


@dataclass
class Candidate:
    reason_kind: str
    unit: ResponsibleUnit | None
    reason: str
    case: Case | None = None
    since: dt.date | None = None
    decided: AccountabilityRecord | None = None

    @property
    def reason_label(self) -> str:
        return ReasonKind(self.reason_kind).label


def late_units(campaign: Campaign, now: dt.datetime, weeks: int = LATE_WEEKS) -> list[Candidate]:
    periods = recent_periods(campaign, weeks, now)
    if len(periods) < weeks:
        return []
    rows = (
        Report.objects.filter(
            period__in=periods, timeliness__in=[Timeliness.LATE, Timeliness.MISSING]
        )
        .values("unit_id")
        .annotate(
            weeks=Count("period", distinct=True),
            missing=Count("pk", filter=Q(timeliness=Timeliness.MISSING)),
        )
        .filter(weeks=weeks)
    )
    by_unit = {row["unit_id"]: row for row in rows}
    units = ResponsibleUnit.objects.in_bulk(by_unit)
    first = periods[0]
    label = "、".join(f"第{p.number}周" for p in periods)
    return [
        Candidate(
            ReasonKind.REPORT,
            units[unit_id],
            f"连续{weeks}周（{label}）周报迟报或漏报，其中漏报{row['missing']}次",
            since=clock.local(first.deadline).date(),
        )
        for unit_id, row in sorted(by_unit.items(), key=lambda item: units[item[0]].name)
    ]


def overdue_cases(now: dt.datetime, days: int = OVERDUE_DAYS) -> list[Candidate]:
    limit = now - dt.timedelta(days=days)
    clocks = (
        StageClock.objects.filter(ended_at__isnull=True, case__state__in=OPEN_STATES)
        .filter(
            Q(breached_at__lte=limit)
            | Q(breached_at__isnull=True, paused_at__isnull=True, deadline__lte=limit)
        )
        .select_related("case", "case__unit", "holder_unit")
        .order_by("deadline")
    )
    result = []
    for row in clocks:
        breach = row.breached_at or row.deadline
        overdue = (now - breach).days
        unit = row.holder_unit or row.case.unit
        result.append(
            Candidate(
                ReasonKind.CASE,
                unit,
                f"{row.case.number}“{row.case.title}”{row.get_stage_display()}超期{overdue}天未办结",
                case=row.case,
                since=clock.local(breach).date(),
            )
        )
    return result


def candidates(campaign: Campaign | None, now: dt.datetime | None = None) -> list[Candidate]:
    now = now or clock.now()
    found = (late_units(campaign, now) if campaign else []) + overdue_cases(now)
    records = list(AccountabilityRecord.objects.all())
    for candidate in found:
        for record in records:
            same_subject = (
                record.case_id == candidate.case.pk
                if candidate.case is not None
                else record.subject_unit_id == getattr(candidate.unit, "pk", None)
                and record.reason_kind == candidate.reason_kind
            )
            if same_subject and candidate.since and record.decided_on >= candidate.since:
                candidate.decided = record
                break
    return found
