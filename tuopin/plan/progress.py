"""Milestone status and forecast, computed in bulk from measurements.

``milestone_statuses(milestones, on=None)`` → {milestone id: MilestoneStatus}; a status *is* its
code (a ``str``: "not_started", "on_track", "at_risk", "overdue", "done") and carries the
details (current value, predicted completion, units behind). Three queries whatever the count:
milestones, their measurements up to ``on``, and the town units of their actions.

Rules:
- done: marked completed, or the current value meets the target;
- overdue: past the deadline and not done;
- at_risk: measured, and the forecast (least-squares line over the last measurements, from
  zero at the campaign's start when there is only one) reaches the target after the deadline
  or never;
- on_track: measured and the forecast meets the deadline (without a target: any measurement);
- not_started: nothing measured yet.
Current value of a total milestone: the latest county-wide row (no unit) if any, else the sum of
each unit's latest value (the mean for percentages). Per-town/village/household milestones are
met only when every town (or every reporting unit) meets the target on its own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
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
FORECAST_POINTS = 5
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
    "action__campaign__issued_on",
    "action__campaign__created_at",
)
_DATETIMES = frozenset({"deadline", "completed_at", "action__campaign__created_at"})


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
    date_columns = [
        index for index, name in enumerate(fields) if name == "action__campaign__issued_on"
    ]
    if not (datetime_columns or decimal_columns or date_columns):
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
        for index in date_columns:
            value = row[index]
            if isinstance(value, str):
                row[index] = dt.date.fromisoformat(value[:10])
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
    start = _campaign_start(row)
    if row["per"] == "total":
        series = _total_series(measured, percent=row["target_unit"] == "%")
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
                predicted=local_date(series[-1][0]),
            )
        predicted = _forecast(series, target, start, upward)
        facts.update(current=current, predicted=predicted)
        return _judge(late, predicted, deadline, facts)
    per_unit: dict[int | None, list[tuple[float, Decimal]]] = defaultdict(list)
    for unit_id, value, measured_at in measured:
        per_unit[unit_id].append((measured_at, value))
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
        last = max(per_unit[u][-1][0] for u in expected)
        return MilestoneStatus(
            "done", **facts, reason="各单位均已达到目标", predicted=local_date(last)
        )
    if lowest is None:
        return MilestoneStatus("overdue" if late else "not_started", **facts, reason="尚无进展数值")
    predictions = []
    for unit in expected:
        if unit in met:
            continue
        series = per_unit.get(unit)
        predictions.append(_forecast(series, target, start, upward) if series else None)
    predicted = None if any(p is None for p in predictions) else max(predictions)
    facts["predicted"] = predicted
    return _judge(late, predicted, deadline, facts)


def _judge(
    late: bool, predicted: dt.date | None, deadline: float, facts: dict[str, Any]
) -> MilestoneStatus:
    if late:
        return MilestoneStatus("overdue", **facts, reason="已过截止时间，未达到目标")
    if predicted is None:
        return MilestoneStatus("at_risk", **facts, reason="按近期进度无法达到目标")
    label = f"{predicted.month:02d}月{predicted.day:02d}日"
    if predicted > local_date(deadline):
        return MilestoneStatus(
            "at_risk", **facts, reason=f"按近期进度预计{label}完成，晚于截止时间"
        )
    return MilestoneStatus("on_track", **facts, reason=f"按近期进度预计{label}完成")


def _meets(value: Decimal, target: Decimal, upward: bool) -> bool:
    return value >= target if upward else value <= target


def _campaign_start(row: dict[str, Any]) -> float:
    issued = row["action__campaign__issued_on"]
    if issued is not None:
        return (issued.toordinal() - _ORDINAL_1970) * SECONDS_PER_DAY - _SHANGHAI_OFFSET
    return row["action__campaign__created_at"]


def _total_series(
    measured: list[tuple[int | None, Decimal, float]], *, percent: bool
) -> list[tuple[float, Decimal]]:
    """The county-wide value after each measurement (county rows win over unit rows)."""
    county_rows = [(at, value) for unit, value, at in measured if unit is None]
    if county_rows:
        return county_rows
    latest: dict[int | None, Decimal] = {}
    series: list[tuple[float, Decimal]] = []
    total = Decimal(0)  # a running sum: each measurement replaces its unit's previous value
    for unit, value, at in measured:
        total += value - latest.get(unit, Decimal(0))
        latest[unit] = value
        series.append((at, (total / len(latest)).quantize(CENT) if percent else total))
    return series


def _forecast(
    series: list[tuple[float, Decimal]], target: Decimal, start: float, upward: bool
) -> dt.date | None:
    """When the least-squares line through the recent points reaches ``target`` (None: never)."""
    points = series[-FORECAST_POINTS:]
    if len(points) < 2 and start < points[0][0]:
        points = [(start, Decimal(0)), *points]
    if len(points) < 2:
        return None
    origin = points[0][0]
    count = len(points)
    xs = [(at - origin) / SECONDS_PER_DAY for at, _ in points]
    ys = [float(value) for _, value in points]
    mean_x = sum(xs) / count
    mean_y = sum(ys) / count
    spread = 0.0
    covariance = 0.0
    for x, y in zip(xs, ys, strict=True):
        spread += (x - mean_x) * (x - mean_x)
        covariance += (x - mean_x) * (y - mean_y)
    if spread == 0:
        return None
    slope = covariance / spread
    if slope == 0 or (slope > 0) != upward:
        return None
    days = (float(target) - ys[-1]) / slope
    if days > 3650:
        return None
    return local_date(points[-1][0] + max(days, 0) * SECONDS_PER_DAY)


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
