"""The reports app's field page for offline use: the unit's weekly report of the open week."""

from __future__ import annotations

from django.urls import reverse

from tuopin.lib import clock
from tuopin.org.access import has_capability
from tuopin.reports.models import Report


def pages(user) -> list[tuple[str, str]]:
    if not user.unit_id or not has_capability(user, "reports.fill"):
        return []
    report = (
        Report.objects.filter(unit_id=user.unit_id, period__opens_at__lte=clock.now())
        .order_by("-period__deadline")
        .first()
    )
    if report is None:
        return []
    return [("填报周报", reverse("reports:edit", args=[report.pk]))]
