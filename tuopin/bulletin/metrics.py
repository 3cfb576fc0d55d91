"""The bulletin's metric: how many issues a county has published by a date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tuopin.lib import clock, metrics


def published_issues(scope, on: dt.date) -> metrics.Value:
    from tuopin.bulletin.models import Bulletin, Status

    count = Bulletin.objects.filter(
        status=Status.PUBLISHED,
        replaces__isnull=True,
        campaign__county__code__startswith=scope.code[:6],
        published_at__lte=clock.end_of_day(on),
    ).count()
    return metrics.Value(Decimal(count), as_of=on)


def register_all() -> None:
    metrics.register(
        metrics.Metric(
            key="bulletin.published_issues",
            name="已发布周通报期数",
            unit="期",
            kind="computed",
            compute=published_issues,
            description="截至当日已发布的周通报期数（更正版不重复计）",
        )
    )
