"""Leaders' duties as metrics in the bulk shape of the metric contract (see ``cases.metrics``):
field visits per leader in the month, towns no leader visited in 14 days, duty days kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q

from tuopin.cases.metrics import fill, grouped, percent, register_bulk, stamp_of
from tuopin.command.models import DutyShift, FieldVisit, TownAssignment
from tuopin.lib import metrics
from tuopin.org.models import Level, OrgUnit, Person

UNVISITED_DAYS = 14


def _month(on: dt.date) -> tuple[dt.date, dt.date]:
    return on.replace(day=1), on


def visits_per_leader(level, on, codes):
    """Visits in the month up to ``on`` in the area, per county leader (包镇 leaders of a town)."""
    if level == "unit":
        return fill(level, codes, {}, metrics.Value(None, reason="调研按地区统计", as_of=on))
    first, last = _month(on)
    rows = grouped(
        FieldVisit.objects.filter(visited_on__range=(first, last)),
        level,
        codes,
        code_path="org_code",
        n=Count("pk"),
    )
    if level == "county":
        leaders = Person.objects.filter(is_leader=True).count()
        per_area = None
    else:
        leaders = None
        per_area = grouped(
            TownAssignment.objects.filter(since__lte=on).filter(
                Q(until__isnull=True) | Q(until__gte=on)
            ),
            "town",
            None,
            code_path="town__code",
            n=Count("leader", distinct=True),
        )
    found = {}
    for code, row in rows.items():
        count = leaders if per_area is None else (per_area.get(code[:9]) or {}).get("n", 0)
        value = (Decimal(row["n"]) / count).quantize(Decimal("0.1")) if count else None
        found[code] = metrics.Value(
            value, reason="" if value is not None else "没有包抓该地的领导", as_of=on
        )
    return fill(level, codes, found, metrics.Value(Decimal(0), as_of=on))


def towns_unvisited(level, on, codes):
    """Towns in the area that no leader visited (the town or any of its villages) in 14 days."""
    if level not in ("county", "town"):
        return fill(level, codes, {}, metrics.Value(None, reason="按县、镇统计", as_of=on))
    since = on - dt.timedelta(days=UNVISITED_DAYS - 1)
    visited = set(
        FieldVisit.objects.filter(visited_on__range=(since, on)).values_list("org_code", flat=True)
    )
    visited_towns = {code[:9] for code in visited}
    towns = OrgUnit.objects.filter(level=Level.TOWN, is_active=True).values_list("code", flat=True)
    found: dict[str, metrics.Value] = {}
    for town in towns:  # towns are few (one row each); the visits came in one query
        key = town[:6] if level == "county" else town
        current = found.get(key, metrics.Value(Decimal(0), as_of=on)).value
        found[key] = metrics.Value(current + (0 if town in visited_towns else 1), as_of=on)
    return fill(level, codes, found, metrics.Value(None, reason="没有镇", as_of=on))


def duty_days_kept(level, on, codes):
    """Share (%) of the month's duty shifts up to ``on`` that were signed in (county only)."""
    if level != "county":
        return fill(level, codes, {}, metrics.Value(None, reason="坐班按县统计", as_of=on))
    first, last = _month(on)
    row = DutyShift.objects.filter(day__range=(first, last)).aggregate(
        total=Count("pk"), kept=Count("pk", filter=Q(signed_in_at__isnull=False))
    )
    value = percent(row["kept"], row["total"])
    found = {
        code: metrics.Value(value, reason="" if value is not None else "本月尚未排班", as_of=on)
        for code in (
            codes
            if codes is not None
            else OrgUnit.objects.filter(level=Level.COUNTY).values_list("code", flat=True)
        )
    }
    return found


def register_metrics() -> None:
    register_bulk(
        key="command.visits_per_leader",
        name="县级领导月均下基层调研次数",
        unit="次",
        description="当月截至评估日的领导调研次数除以县级领导人数（镇：除以包镇领导人数）。",
        bulk=visits_per_leader,
        stamp=stamp_of(FieldVisit),
        levels=("county", "town", "village"),
        source="command",
    )
    register_bulk(
        key="command.towns_unvisited",
        name="14天内无领导调研的镇",
        unit="个",
        description="评估日前14天内，没有县级领导到镇或其所辖村调研的镇的个数，目标为0。",
        bulk=towns_unvisited,
        stamp=stamp_of(FieldVisit),
        levels=("county", "town"),
        source="command",
        higher_is_better=False,
    )
    register_bulk(
        key="command.duty_days_kept",
        name="领导坐班签到率",
        unit="%",
        description="当月截至评估日已排坐班中按时签到的比例。",
        bulk=duty_days_kept,
        stamp=stamp_of(DutyShift),
        levels=("county",),
        source="command",
    )
