"""The ledger as of a day: counts by type and status, money by source, overdue and idle lists.

``tuopin projects summary`` prints :func:`summary` as JSON; pages and the bulletin read the same.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from tuopin.projects.codes import FundSource, ProjectKind, labels
from tuopin.projects.models import FundAllocation, Project, idle_days

ZERO = Decimal(0)
_KIND = labels(ProjectKind)
_SOURCE = labels(FundSource)


def money(value: Decimal | None) -> float:
    """万元 as a number rounded to 4 decimals."""
    return float((value or ZERO).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def rate(part: Decimal | None, whole: Decimal | None) -> float | None:
    """part ÷ whole as 0–100, 2 decimals (None when nothing was allocated)."""
    if not whole:
        return None
    return float(((part or ZERO) * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def idle_q(on: dt.date, days: int | None = None) -> Q:
    """滞留 allocations: allocated more than ``days`` before ``on``, less than half paid out."""
    cutoff = on - dt.timedelta(days=idle_days() if days is None else days)
    return Q(allocated_on__lt=cutoff) & Q(disbursed__lt=F("allocated") / 2)


def by_kind(projects: QuerySet, on: dt.date) -> dict[str, dict[str, int]]:
    rows = (
        projects.values("kind")
        .annotate(
            total=Count("pk"),
            started=Count("pk", filter=Q(actual_start__lte=on)),
            completed=Count("pk", filter=Q(actual_end__lte=on)),
            accepted=Count("pk", filter=Q(accepted_on__lte=on)),
            overdue=Count("pk", filter=Q(planned_end__lt=on) & ~Q(actual_end__lte=on)),
        )
        .order_by("kind")
    )
    result = {}
    for row in rows:
        result[_KIND.get(row["kind"], row["kind"])] = {
            key: row[key] for key in ("total", "started", "completed", "accepted", "overdue")
        }
    return dict(sorted(result.items()))


def fund_totals(funds: QuerySet, on: dt.date) -> dict:
    """Money allocated on or before ``on`` (amounts are the ledger's current figures)."""
    current = funds.filter(allocated_on__lte=on)
    total = current.aggregate(a=Sum("allocated"), d=Sum("disbursed"), r=Sum("reimbursed"))
    by_source = {}
    for row in current.values("source").annotate(
        a=Sum("allocated"), d=Sum("disbursed"), r=Sum("reimbursed")
    ):
        by_source[_SOURCE.get(row["source"], row["source"])] = {
            "allocated": money(row["a"]),
            "disbursed": money(row["d"]),
            "reimbursed": money(row["r"]),
        }
    return {
        "allocated": money(total["a"]),
        "disbursed": money(total["d"]),
        "reimbursed": money(total["r"]),
        "disbursement_rate": rate(total["d"], total["a"]) or 0.0,
        "by_source": dict(sorted(by_source.items())),
    }


def summary(on: dt.date, projects: QuerySet | None = None) -> dict:
    """The JSON of ``tuopin projects summary`` for ``projects`` (default: all) as of ``on``."""
    projects = Project.objects.all() if projects is None else projects
    funds = FundAllocation.objects.filter(project__in=projects.values("pk"))
    totals = fund_totals(funds, on)
    idle = sorted(set(funds.filter(idle_q(on)).values_list("project__code", flat=True)))
    overdue = sorted(projects.overdue_on(on).values_list("code", flat=True))
    return {
        "as_of": on.isoformat(),
        "projects": projects.count(),
        "by_type": by_kind(projects, on),
        "funds": {**totals, "idle": idle},
        "overdue": overdue,
    }
