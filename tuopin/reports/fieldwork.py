"""The reports app's field page for offline use: the unit's weekly report of the open week."""

from __future__ import annotations

import hashlib

from django.urls import reverse

from tuopin.lib import clock
from tuopin.org.access import has_capability
from tuopin.reports import payload
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


def form_version(request, pk: int) -> str:
    """The weekly report form's template: its actions and milestones, in order. A report queued
    offline before HQ changed them is refused rather than saved with rows missing."""
    report = Report.objects.filter(pk=pk).first()
    if report is None:
        return ""
    shape = [
        (section.action.pk, [row.milestone.pk for row in section.milestones])
        for section in payload.sections(report, None, previous=False)
    ]
    return hashlib.sha256(repr(shape).encode()).hexdigest()[:16]
