"""ISO weeks (``2018-W30``) as the bulletin's period, with Chinese refusals for bad input."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tuopin.lib import clock

WEEK_PATTERN = re.compile(r"^\s*(\d{4})\s*-?\s*[Ww]\s*(\d{1,2})\s*$")


class WeekError(ValueError):
    """The week cannot be used; the message says why and how to fix it, in Chinese."""


@dataclass(frozen=True, order=True)
class Week:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        match = WEEK_PATTERN.match(text or "")
        if match is None:
            raise WeekError(f"周次“{text}”格式不正确：请按 ISO 周写成“年-W周”，例如 2018-W30")
        year, number = int(match.group(1)), int(match.group(2))
        try:
            dt.date.fromisocalendar(year, number, 1)
        except ValueError:
            raise WeekError(
                f"周次“{text}”不存在：{year} 年的 ISO 周为第 1—"
                f"{dt.date(year, 12, 28).isocalendar().week} 周"
            ) from None
        return cls(year, number)

    @classmethod
    def of(cls, day: dt.date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    def day(self, weekday: int) -> dt.date:
        """The date of ISO weekday ``weekday`` (1 = Monday … 7 = Sunday) in this week."""
        return self.monday + dt.timedelta(days=weekday - 1)

    def deadline(self, weekday: int, at: dt.time) -> dt.datetime:
        return clock.at(self.day(weekday), at.hour, at.minute)

    def shift(self, weeks: int) -> Week:
        return Week.of(self.monday + dt.timedelta(weeks=weeks))

    @property
    def label(self) -> str:
        """A short Chinese label such as “7月23日—29日”."""
        start, end = self.monday, self.sunday
        if start.month == end.month:
            return f"{start.month}月{start.day}日—{end.day}日"
        return f"{start.month}月{start.day}日—{end.month}月{end.day}日"

    @property
    def short_label(self) -> str:
        return f"第{self.number}周"
