"""Working-day arithmetic on the Chinese official calendar (法定节假日 and 调休 make-up days).

Framework-free. A :class:`WorkCalendar` knows which calendar days are working days: Monday to
Friday, minus the official holidays, plus the weekend days that are worked in exchange (调休).
The State Council publishes the arrangement each year; :data:`SHIPPED` carries the years we know
and callers overlay their own edits (the cases app keeps HQ-edited days in the database).

Time limits count *working time*: every working day contributes its full 24 hours (local time),
other days nothing. "3 working days" from Friday 10:00 therefore ends on Wednesday 10:00, and a
pause of two working hours moves a deadline by exactly two working hours. This keeps pause and
resume exact to the second, which whole-day counting cannot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

DAY_SECONDS = 24 * 3600


def _days(start: str, end: str | None = None) -> list[dt.date]:
    first = dt.date.fromisoformat(start)
    last = dt.date.fromisoformat(end or start)
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]


# 国务院办公厅关于2018年部分节假日安排的通知（国办发明电〔2017〕12号）, and the 2019 New Year
# holiday that began on 2018-12-30 with Saturday 2018-12-29 worked.
SHIPPED: dict[int, dict[str, list[dt.date]]] = {
    2018: {
        "holidays": [
            *_days("2018-01-01"),  # 元旦
            *_days("2018-02-15", "2018-02-21"),  # 春节
            *_days("2018-04-05", "2018-04-07"),  # 清明节
            *_days("2018-04-29", "2018-05-01"),  # 劳动节
            *_days("2018-06-16", "2018-06-18"),  # 端午节
            *_days("2018-09-22", "2018-09-24"),  # 中秋节
            *_days("2018-10-01", "2018-10-07"),  # 国庆节
            *_days("2018-12-30", "2018-12-31"),  # 2019年元旦
        ],
        "workdays": _days("2018-02-11")
        + _days("2018-02-24")
        + _days("2018-04-08")
        + _days("2018-04-28")
        + _days("2018-09-29", "2018-09-30")
        + _days("2018-12-29"),
    },
}

HOLIDAY_NAMES_2018: Mapping[str, str] = {
    "2018-01-01": "元旦",
    "2018-02-15": "春节",
    "2018-04-05": "清明节",
    "2018-04-29": "劳动节",
    "2018-06-16": "端午节",
    "2018-09-22": "中秋节",
    "2018-10-01": "国庆节",
    "2018-12-30": "元旦",
}


class WorkCalendar:
    """Which days are worked; arithmetic in working time."""

    def __init__(
        self,
        holidays: Iterable[dt.date] = (),
        workdays: Iterable[dt.date] = (),
        *,
        tz: dt.tzinfo | None = None,
    ):
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        # Days are local days: moments are converted to ``tz`` (when given) before counting.
        self.tz = tz

    def _local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            raise ValueError("moments must be timezone-aware")
        return moment.astimezone(self.tz) if self.tz is not None else moment

    @classmethod
    def shipped(
        cls,
        *,
        extra_holidays: Iterable[dt.date] = (),
        extra_workdays: Iterable[dt.date] = (),
        tz: dt.tzinfo | None = None,
    ) -> WorkCalendar:
        """The shipped table overlaid with edits (an edit wins over the shipped value)."""
        extra_holidays = set(extra_holidays)
        extra_workdays = set(extra_workdays)
        holidays: set[dt.date] = set()
        workdays: set[dt.date] = set()
        for year in SHIPPED.values():
            holidays.update(year["holidays"])
            workdays.update(year["workdays"])
        holidays = (holidays - extra_workdays) | extra_holidays
        workdays = (workdays - extra_holidays) | extra_workdays
        return cls(holidays, workdays, tz=tz)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add(self, start: dt.datetime, days: int, *, working: bool) -> dt.datetime:
        """``start`` plus ``days`` calendar days or working days."""
        if not working:
            return start + dt.timedelta(days=days)
        return self.add_working_seconds(start, days * DAY_SECONDS)

    def add_working_seconds(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The moment when ``seconds`` of working time have passed since ``start``."""
        remaining = dt.timedelta(seconds=seconds)
        current = self._local(start)
        while True:
            day = current.date()
            next_midnight = dt.datetime.combine(
                day + dt.timedelta(days=1), dt.time(), tzinfo=current.tzinfo
            )
            if self.is_working_day(day):
                available = next_midnight - current
                if remaining <= available:
                    return current + remaining
                remaining -= available
            elif remaining <= dt.timedelta(0):
                return current
            current = next_midnight

    def working_seconds_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working time from ``start`` to ``end`` in seconds (negative if ``end`` is earlier)."""
        if end < start:
            return -self.working_seconds_between(end, start)

        total = dt.timedelta(0)
        current = self._local(start)
        end = self._local(end)
        while current < end:
            day = current.date()
            next_midnight = dt.datetime.combine(
                day + dt.timedelta(days=1), dt.time(), tzinfo=current.tzinfo
            )
            stop = min(next_midnight, end)
            if self.is_working_day(day):
                total += stop - current
            current = stop
        return total.total_seconds()

    def working_days_between(self, first: dt.date, last: dt.date) -> int:
        """Working days in the closed range ``first``..``last``."""
        count = 0
        day = first
        while day <= last:
            count += self.is_working_day(day)
            day += dt.timedelta(days=1)
        return count
