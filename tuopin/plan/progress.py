"""Milestone status and forecast, computed in bulk from measurements.

``milestone_statuses(milestones, on=None)`` → {milestone id: MilestoneStatus}; a status *is* its
code (a ``str``: "not_started", "on_track", "at_risk", "overdue", "done") and carries the
details (current value, predicted completion, units behind). Three queries whatever the count:
milestones, their measurements up to ``on``, and the town units of their actions.

Rules:
- done: marked completed, or the current value meets the target;
- overdue: past the deadline and not done;
- at_risk: the rate needed (what remains ÷ days left) exceeds the observed rate;
- on_track: measured and not at risk (without a target: any measurement);
- not_started: nothing measured yet.
The observed rate is a least-squares line over one value per reporting period (as of each of
the last FORECAST_PERIODS weekly deadlines, campaign weekday and time), never over individual
signatures: units sign at different moments of the same morning, and a line through those
running totals would see a week's progress happen within hours. Fewer than
MIN_FORECAST_PERIODS periods, no progress, or a date beyond HORIZON_DAYS give no predicted
date (无法预计); the status then rests on the rates alone.
Current value of a total milestone: the latest county-wide row (no unit) if any, else the sum of
each unit's latest value (for percentages the mean over the units reporting it). Per-town/
village/household milestones are met only when every town (or every reporting unit) meets the
target on its own, and are at risk when any unit is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

from tuopin.lib import clock
from tuopin.org.models import UnitKind
from tuopin.plan.models import Action, Campaign, Measurement, Milestone

STATUS_LABELS = {
    "not_started": "未开始",
    "on_track": "正常推进",
    "at_risk": "有风险",
    "overdue": "已逾期",
    "done": "已完成",
    "unknown": "无时间节点",
}
FORECAST_PERIODS = 6  # the rate is fitted over the last six reporting periods
MIN_FORECAST_PERIODS = 3  # fewer periods give no rate: 无法预计
HORIZON_DAYS = 365  # a date further away than this is no forecast
CENT = Decimal("0.01")
SECONDS_PER_DAY = 86400.0


class MilestoneStatus(str):
    """A status code (compare it like a string) with the facts that decided it."""

    label: str
    current: Decimal | None
    target: Decimal | None
    predicted: dt.date | None
    reason: str
    units_met: int
    units_total: int

    def __new__(cls, status: str, **facts: Any) -> MilestoneStatus:
        instance = super().__new__(cls, status)
        instance.label = STATUS_LABELS[status]
        instance.current = facts.get("current")
        instance.target = facts.get("target")
        instance.predicted = facts.get("predicted")
        instance._deadline = facts.get("deadline")
        instance.reason = facts.get("reason", "")
        instance.units_met = facts.get("units_met", 0)
        instance.units_total = facts.get("units_total", 0)
        return instance

    @property
    def code(self) -> str:
        return str(self)

    @property
    def deadline(self) -> dt.datetime | None:
        if self._deadline is None:
            return None
        return dt.datetime.fromtimestamp(self._deadline, clock.SHANGHAI)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": str(self),
            "label": self.label,
            "current": float(self.current) if self.current is not None else None,
            "target": float(self.target) if self.target is not None else None,
            "predicted": self.predicted.isoformat() if self.predicted else None,
            "reason": self.reason,
            "units_met": self.units_met,
            "units_total": self.units_total,
        }


class ActionStatus(str):
    """An action's overall status with its milestone counts (done/due/overdue/at_risk …)."""

    label: str
    counts: dict[str, int]

    def __new__(cls, status: str, counts: dict[str, int]) -> ActionStatus:
        instance = super().__new__(cls, status)
        instance.label = STATUS_LABELS[status]
        instance.counts = counts
        return instance


def moment_of(on: dt.date | dt.datetime | None) -> dt.datetime:
    if on is None:
        return clock.now()
    if isinstance(on, dt.datetime):
        return on
    if on == clock.today():
        return clock.now()
    return clock.end_of_day(on)


_FIELDS = (
    "id",
    "deadline",
    "target_value",
    "target_unit",
    "comparator",
    "per",
    "completed_at",
    "action_id",
    "action__campaign__reporting_weekday",
    "action__campaign__reporting_time",
)
_DATETIMES = frozenset({"deadline", "completed_at"})


def raw_rows(queryset: QuerySet, fields: tuple[str, ...]) -> list[tuple]:
    """Rows as the driver returns them: Django's per-value converters cost more than the rest
    of the computation on thousands of rows, so datetimes become epoch seconds here, once."""
    query = queryset.values_list(*fields)
    connection = connections[query.db]
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    datetime_columns = [
        index for index, name in enumerate(fields) if name in _DATETIMES or name == "measured_at"
    ]
    decimal_columns = [
        index for index, name in enumerate(fields) if name in ("value", "target_value")
    ]
    if not (datetime_columns or decimal_columns):
        return rows
    result = []
    for row in rows:
        row = list(row)
        for index in datetime_columns:
            row[index] = _epoch(row[index])
        for index in decimal_columns:
            value = row[index]
            if value is not None and not isinstance(value, Decimal):
                row[index] = Decimal(str(value))
        result.append(tuple(row))
    return result


_EPOCH = dt.datetime(1970, 1, 1)  # noqa: DTZ001 - naive UTC, to subtract naive UTC values fast
_ORDINAL_1970 = dt.date(1970, 1, 1).toordinal()
_SHANGHAI_OFFSET = 8 * 3600  # Asia/Shanghai has had no DST since 1991


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite without type detection: UTC text
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite: naive UTC
        return (value - _EPOCH).total_seconds()
    return value.timestamp()


def local_date(epoch: float) -> dt.date:
    return dt.date.fromordinal(_ORDINAL_1970 + int((epoch + _SHANGHAI_OFFSET) // SECONDS_PER_DAY))


def milestone_statuses(
    milestones: Campaign | QuerySet | Iterable[Milestone], on: dt.date | dt.datetime | None = None
) -> dict[int, MilestoneStatus]:
    """Status of every milestone given (a campaign, a Milestone queryset or a list of them)."""
    moment = moment_of(on).timestamp()
    if isinstance(milestones, Campaign):
        queryset = Milestone.objects.filter(action__campaign=milestones)
    elif isinstance(milestones, QuerySet):
        queryset = milestones
    else:
        queryset = Milestone.objects.filter(pk__in=[m.pk for m in milestones])
    queryset = queryset.order_by()
    rows = [dict(zip(_FIELDS, row, strict=True)) for row in raw_rows(queryset, _FIELDS)]
    if not rows:
        return {}
    measurements = raw_rows(
        Measurement.objects.filter(
            milestone__in=queryset.values("pk"),
            measured_at__lte=clock.local(dt.datetime.fromtimestamp(moment, dt.UTC)),
        ).order_by("milestone_id", "measured_at", "pk"),
        ("milestone_id", "unit_id", "value", "measured_at"),
    )
    by_milestone: dict[int, list[tuple[int | None, Decimal, float]]] = defaultdict(list)
    for milestone_id, unit_id, value, measured_at in measurements:
        by_milestone[milestone_id].append((unit_id, value, measured_at))
    needs_towns = {row["action_id"] for row in rows if row["per"] == "town"}
    towns: dict[int, set[int]] = defaultdict(set)
    if needs_towns:
        for action_id, unit_id in Action.units.through.objects.filter(
            action_id__in=needs_towns, responsibleunit__kind=UnitKind.TOWN
        ).values_list("action_id", "responsibleunit_id"):
            towns[action_id].add(unit_id)
    return {
        row["id"]: _status(
            row, by_milestone.get(row["id"], []), towns.get(row["action_id"]), moment
        )
        for row in rows
    }


def _status(
    row: dict[str, Any],
    measured: list[tuple[int | None, Decimal, float]],
    town_units: set[int] | None,
    moment: float,
) -> MilestoneStatus:
    deadline: float = row["deadline"]
    target: Decimal | None = row["target_value"]
    facts: dict[str, Any] = {"deadline": deadline, "target": target}
    completed = row["completed_at"]
    if completed is not None and completed <= moment:
        return MilestoneStatus(
            "done", **facts, reason="已标记完成", predicted=local_date(completed)
        )
    late = moment > deadline
    if target is None:
        if late:
            return MilestoneStatus("overdue", **facts, reason="已过截止时间，尚未标记完成")
        if measured:
            return MilestoneStatus(
                "on_track", **facts, current=measured[-1][1], reason="已报告进展"
            )
        return MilestoneStatus("not_started", **facts, reason="尚无进展数值")
    upward = row["comparator"] != "at_most"
    unit_label = row["target_unit"]
    moments = [*_period_ends(row, measured[0][2], moment), moment] if measured else []
    if row["per"] == "total":
        series = _values_at(measured, moments, percent=unit_label == "%")
        if not series:
            return MilestoneStatus(
                "overdue" if late else "not_started", **facts, reason="尚无进展数值"
            )
        current = series[-1][1]
        if _meets(current, target, upward):
            return MilestoneStatus(
                "done",
                **facts,
                current=current,
                reason="已达到目标",
                predicted=local_date(measured[-1][2]),
            )
        outlook = _outlook(series[:-1], current, target, upward, moment, deadline)
        facts.update(current=current, predicted=outlook.predicted)
        return _judge(late, [outlook], facts, unit_label)
    per_unit: dict[int | None, list[tuple[int | None, Decimal, float]]] = defaultdict(list)
    for measurement in measured:
        per_unit[measurement[0]].append(measurement)
    expected = (
        set(town_units or ()) if row["per"] == "town" and town_units else set(per_unit) - {None}
    )
    if not expected:
        return MilestoneStatus("overdue" if late else "not_started", **facts, reason="尚无进展数值")
    met = [
        unit
        for unit in expected
        if per_unit.get(unit) and _meets(per_unit[unit][-1][1], target, upward)
    ]
    facts.update(units_met=len(met), units_total=len(expected))
    lowest = min((per_unit[u][-1][1] for u in expected if per_unit.get(u)), default=None)
    facts["current"] = lowest
    if len(met) == len(expected):
        last = max(per_unit[u][-1][2] for u in expected)
        return MilestoneStatus(
            "done", **facts, reason="各单位均已达到目标", predicted=local_date(last)
        )
    if lowest is None:
        return MilestoneStatus("overdue" if late else "not_started", **facts, reason="尚无进展数值")
    outlooks = []
    for unit in sorted(expected - set(met), key=lambda unit: unit or 0):
        series = _values_at(per_unit.get(unit, []), moments, percent=False)
        if not series:  # a unit that has never reported has shown no progress at all
            needed = _outlook([], Decimal(0), target, upward, moment, deadline).needed
            outlooks.append(Outlook(0, 0.0, needed, None))
            continue
        outlooks.append(_outlook(series[:-1], series[-1][1], target, upward, moment, deadline))
    facts["predicted"] = (
        None if any(o.predicted is None for o in outlooks) else max(o.predicted for o in outlooks)
    )
    return _judge(late, outlooks, facts, unit_label)


@dataclass(frozen=True)
class Outlook:
    """What the recent reporting periods say about reaching the target by the deadline.

    ``observed`` and ``needed`` are progress per day towards the target (``observed`` is None
    when there are too few periods to fit a rate); ``predicted`` is None when the rate cannot
    give a believable date (too few periods, no progress, or years away).
    """

    periods: int
    observed: float | None
    needed: float
    predicted: dt.date | None

    @property
    def at_risk(self) -> bool:
        return self.observed is not None and self.observed < self.needed


def _period_ends(row: dict[str, Any], first: float, moment: float) -> list[float]:
    """The last FORECAST_PERIODS reporting deadlines up to ``moment`` and not before ``first``
    (epoch seconds, ascending): one aggregate value per period, as of its end, is what the
    rate is fitted on, whatever the moments units happened to sign at within a day."""
    weekday = row["action__campaign__reporting_weekday"] or 5
    at = row["action__campaign__reporting_time"]
    if isinstance(at, str):
        at = dt.time.fromisoformat(at)
    at_seconds = at.hour * 3600 + at.minute * 60 + at.second
    local = moment + _SHANGHAI_OFFSET
    day_start = local - local % SECONDS_PER_DAY
    day = local_date(moment)
    end = day_start - ((day.isoweekday() - weekday) % 7) * SECONDS_PER_DAY + at_seconds
    if end > local:
        end -= 7 * SECONDS_PER_DAY
    end -= _SHANGHAI_OFFSET
    ends = []
    while end >= first and len(ends) < FORECAST_PERIODS:
        ends.append(end)
        end -= 7 * SECONDS_PER_DAY
    return ends[::-1]


def _values_at(
    measured: list[tuple[int | None, Decimal, float]], moments: list[float], *, percent: bool
) -> list[tuple[float, Decimal]]:
    """The value as of each moment (ascending) that has data: the latest county-wide row if
    there are any, else the sum of each unit's latest value; for a percentage the mean over
    every unit reporting it (a unit yet to report counts as 0). ``measured`` ends by the last
    moment, as the measurement query does."""
    county = [row for row in measured if row[0] is None]
    if county:
        measured = county
    reporters = len({row[0] for row in measured}) if percent else 1
    latest: dict[int | None, Decimal] = {}
    total = Decimal(0)  # a running sum: each measurement replaces its unit's previous value
    values = []
    index, count = 0, len(measured)
    for moment in moments:
        while index < count and measured[index][2] <= moment:
            unit, value, _ = measured[index]
            total += value - latest.get(unit, 0)
            latest[unit] = value
            index += 1
        if latest:
            values.append((moment, (total / reporters).quantize(CENT) if percent else total))
    return values


def _outlook(
    periods: list[tuple[float, Decimal]],
    current: Decimal,
    target: Decimal,
    upward: bool,
    moment: float,
    deadline: float,
) -> Outlook:
    """Observed rate (least squares over the period values), needed rate and predicted date."""
    remaining = float(target - current) if upward else float(current - target)
    needed = remaining / max((deadline - moment) / SECONDS_PER_DAY, 1 / 24)
    if len(periods) < MIN_FORECAST_PERIODS:
        return Outlook(len(periods), None, needed, None)
    origin = periods[0][0]
    xs = [(at - origin) / SECONDS_PER_DAY for at, _ in periods]
    ys = [float(value) for _, value in periods]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    observed = covariance / spread if upward else -covariance / spread
    predicted = None
    if observed > 0 and remaining / observed <= HORIZON_DAYS:
        predicted = local_date(moment + remaining / observed * SECONDS_PER_DAY)
    return Outlook(len(periods), observed, needed, predicted)


def _judge(
    late: bool, outlooks: list[Outlook], facts: dict[str, Any], unit_label: str
) -> MilestoneStatus:
    if late:
        return MilestoneStatus("overdue", **facts, reason="已过截止时间，未达到目标")
    risky = [o for o in outlooks if o.at_risk]
    if risky:
        # The unit furthest behind its needed rate explains the risk.
        worst = min(risky, key=lambda o: o.observed / o.needed if o.needed else 0)
        return MilestoneStatus("at_risk", **facts, reason=_explain(worst, unit_label))
    unknown = [o for o in outlooks if o.observed is None]
    if unknown:
        periods = min(o.periods for o in unknown)
        return MilestoneStatus(
            "on_track",
            **facts,
            reason=f"已有{periods}期报告数据，不足{MIN_FORECAST_PERIODS}期，无法预计完成时间",
        )
    slowest = max(outlooks, key=lambda o: o.predicted)
    return MilestoneStatus("on_track", **facts, reason=_explain(slowest, unit_label))


def _explain(outlook: Outlook, unit_label: str) -> str:
    """ "近4期平均每周增加2.5个，按期完成需每周3.5个，预计09月25日完成，晚于截止时间"."""
    unit_label = unit_label or ""
    if outlook.periods == 0:
        pace = "尚未报告进展"
    elif outlook.observed <= 0:
        pace = f"近{outlook.periods}期没有进展"
    else:
        pace = f"近{outlook.periods}期平均每周推进{_weekly(outlook.observed)}{unit_label}"
    needed = f"按期完成需每周{_weekly(outlook.needed)}{unit_label}"
    if outlook.predicted is None:
        return f"{pace}，{needed}，无法预计完成时间"
    label = f"{outlook.predicted.month:02d}月{outlook.predicted.day:02d}日"
    late = "，晚于截止时间" if outlook.at_risk else ""
    return f"{pace}，{needed}，预计{label}完成{late}"


def _weekly(per_day: float) -> str:
    """Progress per week for people: one decimal, two below 0.1 so slow progress is not "0"."""
    weekly = per_day * 7
    text = f"{weekly:.1f}" if weekly >= 0.095 else f"{weekly:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _meets(value: Decimal, target: Decimal, upward: bool) -> bool:
    return value >= target if upward else value <= target


def action_statuses(
    actions: Campaign | QuerySet | Iterable[Action],
    on: dt.date | dt.datetime | None = None,
    *,
    statuses: dict[int, MilestoneStatus] | None = None,
) -> dict[int, ActionStatus]:
    """{action id: ActionStatus} for many actions with one :func:`milestone_statuses` call."""
    if isinstance(actions, Campaign):
        action_ids = list(actions.actions.values_list("pk", flat=True))
    elif isinstance(actions, QuerySet):
        action_ids = list(actions.values_list("pk", flat=True))
    else:
        action_ids = [action.pk for action in actions]
    pairs = list(Milestone.objects.filter(action_id__in=action_ids).values_list("pk", "action_id"))
    if statuses is None:
        statuses = milestone_statuses(Milestone.objects.filter(action_id__in=action_ids), on)
    grouped: dict[int, list[MilestoneStatus]] = defaultdict(list)
    for milestone_id, action_id in pairs:
        if milestone_id in statuses:
            grouped[action_id].append(statuses[milestone_id])
    return {action_id: summarize(grouped.get(action_id, [])) for action_id in action_ids}


def action_status(
    action: Action,
    on: dt.date | dt.datetime | None = None,
    *,
    statuses: dict[int, MilestoneStatus] | None = None,
) -> ActionStatus:
    """One action's status: done when all milestones are, else the worst of overdue/at_risk/…"""
    return action_statuses([action], on, statuses=statuses)[action.pk]


def summarize(statuses: list[MilestoneStatus]) -> ActionStatus:
    counts = {key: 0 for key in ("done", "on_track", "at_risk", "overdue", "not_started")}
    for status in statuses:
        counts[str(status)] += 1
    counts["total"] = len(statuses)
    counts["due"] = counts["on_track"] + counts["at_risk"] + counts["not_started"]
    if not statuses:
        return ActionStatus("unknown", counts)
    if counts["done"] == len(statuses):
        return ActionStatus("done", counts)
    for status in ("overdue", "at_risk"):
        if counts[status]:
            return ActionStatus(status, counts)
    if counts["on_track"] or counts["done"]:
        return ActionStatus("on_track", counts)
    return ActionStatus("not_started", counts)
