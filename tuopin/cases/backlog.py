"""Backlog figures: 无积压 (nothing open past its limit) and 零暂存 (nothing parked), as of any moment.

Everything is computed *as of a moment* ``at`` from the append-only record, so last week's figure
is still last week's figure after the cases moved on:

* a case is open at ``at`` when its latest event at or before ``at`` leaves it in an open state;
* its running stage clock at ``at`` is the one with ``started_at <= at < ended_at``;
* that clock is past its limit at ``at`` when it was breached by then (``breached_at <= at``, or,
  if the worker has not run yet, an unpaused clock with ``deadline <= at``). Deadlines only move
  while a clock is paused and before a breach, so this is exact for past moments too;
* a case is parked (暂存) when it waits unassigned past its acceptance/assignment limit, or has
  been paused longer than the ``park`` limit of its kind and level.

Public functions (the bulletin and the dashboard call these; ``scope`` is an ``OrgUnit`` (its
subtree), a ``ResponsibleUnit`` (cases it handles) or ``None`` (everything)):

* ``figures(scope, at=None) -> Figures``
* ``breakdown(scope, at=None, by="town"|"unit"|"kind") -> list[Row]``
* ``series(scope, days: list[date]) -> list[tuple[date, Figures]]``
* ``delay_by_holder(scope, at=None) -> list[HolderDelay]``
* ``satisfaction(scope, at=None) -> Satisfaction``
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Subquery

from tuopin.cases import limits
from tuopin.cases.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    Kind,
    PetitionRating,
    Rating,
    Stage,
    StageClock,
)
from tuopin.lib import clock, metrics
from tuopin.lib.metrics import Metric, Value, register
from tuopin.org.codes import subtree_q
from tuopin.org.models import OrgUnit, ResponsibleUnit

AGEING_BUCKETS: list[tuple[str, int | None]] = [
    ("7天以内", 7),
    ("8至30天", 30),
    ("31至90天", 90),
    ("90天以上", None),
]


@dataclass
class CaseAt:
    """One open case as it stood at the moment."""

    case_id: int
    kind: str
    org_code: str
    state: str
    registered_at: dt.datetime
    stage: str | None = None
    holder_unit_id: int | None = None
    overdue: bool = False
    parked: bool = False
    paused: bool = False


@dataclass
class Figures:
    at: dt.datetime
    open: int = 0
    overdue: int = 0  # 无积压: should be 0
    parked: int = 0  # 零暂存: should be 0
    paused: int = 0
    ageing: dict[str, int] = field(default_factory=dict)

    @property
    def zero_backlog(self) -> bool:
        return self.overdue == 0

    @property
    def zero_parked(self) -> bool:
        return self.parked == 0


@dataclass
class Row:
    key: str
    label: str
    open: int = 0
    overdue: int = 0
    parked: int = 0


@dataclass
class HolderDelay:
    label: str
    stage_clocks: int
    breached: int
    delay_days: Decimal


@dataclass
class Satisfaction:
    satisfied: int
    basic: int
    unsatisfied: int

    @property
    def total(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def rate(self) -> Decimal | None:
        if not self.total:
            return None
        return (Decimal(100) * (self.satisfied + self.basic) / self.total).quantize(Decimal("0.1"))


def _case_scope_q(scope) -> Q:
    if scope is None:
        return Q()
    if isinstance(scope, ResponsibleUnit):
        return Q(pk__in=StageClock.objects.filter(holder_unit=scope).values("case_id"))
    return subtree_q(scope.code, "org_code")


def _moment(at: dt.datetime | None) -> dt.datetime:
    now = clock.now()
    return now if at is None or at > now else at


def _breached_q(at: dt.datetime) -> Q:
    return Q(breached_at__lte=at) | Q(
        breached_at__isnull=True, paused_at__isnull=True, deadline__lte=at
    )


def overdue_q(now: dt.datetime) -> Q:
    """Cases whose running clock is past its limit at ``now`` (for filtering a queryset)."""
    running_breached = StageClock.objects.filter(
        Q(breached_at__isnull=False) | Q(paused_at__isnull=True, deadline__lte=now),
        case=OuterRef("pk"),
        ended_at__isnull=True,
    )
    return Q(Exists(running_breached))


def snapshot(scope, at: dt.datetime | None = None) -> list[CaseAt]:
    """Every case open at ``at`` in ``scope`` with its stage, holder and flags."""
    at = _moment(at)
    state_at = Subquery(
        CaseEvent.objects.filter(case=OuterRef("pk"), at__lte=at)
        .order_by("-at", "-id")
        .values("to_state")[:1]
    )
    rows = (
        Case.objects.filter(_case_scope_q(scope), registered_at__lte=at)
        .annotate(state_at=state_at)
        .filter(state_at__in=OPEN_STATES)
        .values_list("pk", "kind", "org_code", "level", "state_at", "registered_at")
    )
    cases = {
        pk: (CaseAt(pk, kind, code, state, registered), level)
        for pk, kind, code, level, state, registered in rows
    }
    if not cases:
        return []
    running = StageClock.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=at),
        case_id__in=list(cases),
        started_at__lte=at,
    )
    breached_ids = set(running.filter(_breached_q(at)).values_list("pk", flat=True))
    park_limits: dict[tuple[str, str], limits.Limit] = {}
    calendar = None
    for clock_row in running:
        item, level = cases[clock_row.case_id]
        item.stage = clock_row.stage
        item.holder_unit_id = clock_row.holder_unit_id
        item.overdue = clock_row.pk in breached_ids
        paused_since = _paused_since(clock_row, at)
        item.paused = paused_since is not None
        waiting = clock_row.stage in (Stage.ACCEPT, Stage.ASSIGN) and item.overdue
        long_pause = False
        if paused_since is not None:
            key = (item.kind, level)
            if key not in park_limits:
                park_limits[key] = limits.limit_for(item.kind, level, limits.PARK)
            park = park_limits[key]
            if park.days is not None:
                if calendar is None:
                    calendar = limits.calendar()
                long_pause = calendar.add(paused_since, park.days, working=park.working_days) <= at
        item.parked = waiting or long_pause
    result = [item for item, _ in cases.values()]
    if isinstance(scope, ResponsibleUnit):
        result = [item for item in result if item.holder_unit_id == scope.pk]
    return result


def _paused_since(clock_row: StageClock, at: dt.datetime) -> dt.datetime | None:
    if clock_row.paused_at is not None and clock_row.paused_at <= at:
        return clock_row.paused_at
    for start, end in clock_row.paused_intervals:
        start, end = dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end)
        if start <= at < end:
            return start
    return None


def _bucket(registered_at: dt.datetime, at: dt.datetime) -> str:
    age_days = (at - registered_at).total_seconds() / 86400
    for label, ceiling in AGEING_BUCKETS:
        if ceiling is None or age_days <= ceiling:
            return label
    return AGEING_BUCKETS[-1][0]


def summarize(items: list[CaseAt], at: dt.datetime) -> Figures:
    result = Figures(at=at, ageing={label: 0 for label, _ in AGEING_BUCKETS})
    for item in items:
        result.open += 1
        result.overdue += item.overdue
        result.parked += item.parked
        result.paused += item.paused
        result.ageing[_bucket(item.registered_at, at)] += 1
    return result


def figures(scope, at: dt.datetime | None = None) -> Figures:
    at = _moment(at)
    return summarize(snapshot(scope, at), at)


def breakdown(scope, at: dt.datetime | None = None, *, by: str = "town") -> list[Row]:
    """Open / overdue / parked per town, per handling unit or per kind."""
    at = _moment(at)
    items = snapshot(scope, at)
    rows: dict[str, Row] = {}
    if by == "town":
        names = dict(OrgUnit.objects.filter(level="town").values_list("code", "name"))
        key_of = lambda item: item.org_code[:9] if len(item.org_code) >= 9 else item.org_code  # noqa: E731
        label_of = lambda key: names.get(key, "县本级")  # noqa: E731
    elif by == "unit":
        names = dict(ResponsibleUnit.objects.values_list("pk", "name"))
        key_of = lambda item: str(item.holder_unit_id or "")  # noqa: E731
        label_of = lambda key: names.get(int(key), "") if key else "未交办"  # noqa: E731
    elif by == "kind":
        key_of = lambda item: item.kind  # noqa: E731
        label_of = lambda key: Kind(key).label  # noqa: E731
    else:
        raise ValueError(f"unknown breakdown {by!r}")
    for item in items:
        key = key_of(item)
        row = rows.setdefault(key, Row(key, label_of(key)))
        row.open += 1
        row.overdue += item.overdue
        row.parked += item.parked
    return sorted(rows.values(), key=lambda row: (-row.overdue, -row.open, row.key))


def series(scope, days: list[dt.date]) -> list[tuple[dt.date, Figures]]:
    return [(day, figures(scope, clock.end_of_day(day))) for day in days]


def delay_by_holder(scope, at: dt.datetime | None = None) -> list[HolderDelay]:
    """Delay past the limit, summed per holder: who kept cases waiting (per-stage attribution)."""
    at = _moment(at)
    clocks = StageClock.objects.filter(started_at__lte=at).select_related("holder_unit")
    if isinstance(scope, ResponsibleUnit):
        clocks = clocks.filter(holder_unit=scope)
    elif scope is not None:
        clocks = clocks.filter(subtree_q(scope.code, "case__org_code"))
    names = dict(OrgUnit.objects.values_list("code", "name"))
    totals: dict[str, list] = defaultdict(lambda: [0, 0, 0.0])
    for clock_row in clocks:
        if clock_row.holder_unit_id:
            label = clock_row.holder_unit.name
        else:
            label = f"{names.get(clock_row.holder_code, clock_row.holder_code)}（{Stage(clock_row.stage).label}）"
        entry = totals[label]
        entry[0] += 1
        if clock_row.is_breached(at):
            entry[1] += 1
            entry[2] += clock_row.delay_seconds(at)
    return sorted(
        (
            HolderDelay(label, count, breached, Decimal(seconds / 86400).quantize(Decimal("0.1")))
            for label, (count, breached, seconds) in totals.items()
        ),
        key=lambda row: (-row.delay_days, row.label),
    )


def satisfaction(scope, at: dt.datetime | None = None) -> Satisfaction:
    at = _moment(at)
    ratings = PetitionRating.objects.filter(rated_at__lte=at)
    if isinstance(scope, ResponsibleUnit):
        ratings = ratings.filter(case__in=Case.objects.filter(_case_scope_q(scope)))
    elif scope is not None:
        ratings = ratings.filter(subtree_q(scope.code, "case__org_code"))
    counts = defaultdict(int)
    for rating in ratings.values_list("rating", flat=True):
        counts[rating] += 1
    return Satisfaction(counts[Rating.SATISFIED], counts[Rating.BASIC], counts[Rating.UNSATISFIED])


# ---------------------------------------------------------------------------------------------
# Metrics


def _at_end_of(on: dt.date) -> dt.datetime:
    return _moment(clock.end_of_day(on))


def _count_metric(attribute: str):
    def compute(scope, on: dt.date) -> Value:
        return Value(Decimal(getattr(figures(scope, _at_end_of(on)), attribute)), as_of=on)

    return compute


def _satisfaction_metric(scope, on: dt.date) -> Value:
    rate = satisfaction(scope, _at_end_of(on)).rate
    if rate is None:
        return Value(None, reason="尚无群众评价", as_of=on)
    return Value(rate, as_of=on)


def _stamp() -> str:
    """Case events and ratings, and the minute: a case falls overdue as time passes."""
    from django.db.models import Count, Max

    events = CaseEvent.objects.aggregate(n=Count("pk"), last=Max("pk"))
    ratings = PetitionRating.objects.aggregate(n=Count("pk"), last=Max("pk"))
    clocks = StageClock.objects.aggregate(n=Count("pk"), last=Max("pk"))
    return f"{events}|{ratings}|{clocks}|{clock.now():%Y%m%d%H%M}"


stamp = metrics.held_stamp(_stamp)
CASE_LEVELS = ("county", "town", "village", "unit")


def _snapshot_bulk(attribute: str) -> metrics.Bulk:
    """Open/overdue/parked counts per area (by the case's place) or per holding unit, from one
    snapshot of the county's open cases."""

    def bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, Value]:
        at = _at_end_of(on)
        items = snapshot(None, at)
        counts: dict[str, int] = defaultdict(int)
        if level == "unit":
            wanted = (
                list(codes)
                if codes is not None
                else [str(pk) for pk in ResponsibleUnit.objects.values_list("pk", flat=True)]
            )
            for item in items:
                if item.holder_unit_id is not None:
                    counts[str(item.holder_unit_id)] += int(getattr(item, attribute, True))
        else:
            length = metrics.CODE_LENGTH[level]
            wanted = metrics.level_codes(level, codes)
            for item in items:
                if len(item.org_code) >= length:
                    counts[item.org_code[:length]] += int(getattr(item, attribute, True))
        return {code: Value(Decimal(counts.get(code, 0)), as_of=on) for code in wanted}

    return bulk


def _satisfaction_bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, Value]:
    from django.db.models import Count

    at = _at_end_of(on)
    ratings = PetitionRating.objects.filter(rated_at__lte=at)
    good = Q(rating__in=[Rating.SATISFIED, Rating.BASIC])
    aggregates = {"num": Count("pk", filter=good), "den": Count("pk")}
    if level == "unit":
        wanted = (
            list(codes)
            if codes is not None
            else [str(pk) for pk in ResponsibleUnit.objects.values_list("pk", flat=True)]
        )
        rows = {
            str(row["case__clocks__holder_unit_id"]): row
            for row in ratings.filter(case__clocks__holder_unit__isnull=False)
            .values("case__clocks__holder_unit_id")
            .annotate(num=Count("pk", filter=good, distinct=True), den=Count("pk", distinct=True))
            .order_by()
        }
    else:
        wanted = metrics.level_codes(level, codes)
        rows = metrics.area_rows(ratings, "case__org_code", level, codes, aggregates)
    result = {}
    for code in wanted:
        row = rows.get(code)
        if not row or not row["den"]:
            result[code] = Value(None, reason="尚无群众评价", as_of=on)
        else:
            value = (Decimal(100) * row["num"] / row["den"]).quantize(Decimal("0.1"))
            result[code] = Value(
                value, as_of=on, numerator=Decimal(row["num"]), denominator=Decimal(row["den"])
            )
    return result


def register_metrics() -> None:
    register(
        Metric(
            "cases.open",
            "在办问题件",
            "件",
            "computed",
            _count_metric("open"),
            "截至当日未办结（含待验收）的问题、信访、督查和整改件数。",
            higher_is_better=False,
            levels=CASE_LEVELS,
            source="cases",
            bulk=_snapshot_bulk("open"),
            stamp=stamp,
        )
    )
    register(
        Metric(
            "cases.overdue",
            "超期未办结件（无积压）",
            "件",
            "computed",
            _count_metric("overdue"),
            "当前阶段已超过办理时限的在办件数，目标为0。",
            higher_is_better=False,
            levels=CASE_LEVELS,
            source="cases",
            bulk=_snapshot_bulk("overdue"),
            stamp=stamp,
        )
    )
    register(
        Metric(
            "cases.parked",
            "暂存件（零暂存）",
            "件",
            "computed",
            _count_metric("parked"),
            "超过时限仍未受理或交办、或暂停计时超过上限的件数，目标为0。",
            higher_is_better=False,
            levels=CASE_LEVELS,
            source="cases",
            bulk=_snapshot_bulk("parked"),
            stamp=stamp,
        )
    )
    register(
        Metric(
            "cases.petition_satisfaction",
            "信访群众满意率",
            "%",
            "computed",
            _satisfaction_metric,
            "（满意＋基本满意）÷ 已评价件次。",
            levels=CASE_LEVELS,
            source="cases",
            bulk=_satisfaction_bulk,
            stamp=stamp,
        )
    )
