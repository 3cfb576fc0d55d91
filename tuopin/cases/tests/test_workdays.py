from __future__ import annotations

import datetime as dt

from tuopin.lib.clock import SHANGHAI
from tuopin.lib.workdays import WorkCalendar


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


CALENDAR = WorkCalendar.shipped(tz=SHANGHAI)


def test_it_knows_the_2018_holidays_and_make_up_days():
    assert not CALENDAR.is_working_day(dt.date(2018, 10, 3))  # 国庆
    assert CALENDAR.is_working_day(dt.date(2018, 9, 29))  # Saturday worked (调休)
    assert CALENDAR.is_working_day(dt.date(2018, 2, 11))  # Sunday worked before 春节
    assert not CALENDAR.is_working_day(dt.date(2018, 6, 18))  # 端午 Monday
    assert CALENDAR.is_working_day(dt.date(2018, 12, 29))  # Saturday worked before 2019 元旦
    assert CALENDAR.working_days_between(dt.date(2018, 10, 1), dt.date(2018, 10, 7)) == 0
    assert CALENDAR.working_days_between(dt.date(2018, 9, 24), dt.date(2018, 9, 30)) == 6


def test_working_time_adds_and_measures_consistently():
    start = _at("2018-06-15 10:00")  # Friday before 端午
    end = CALENDAR.add(start, 3, working=True)
    assert end == _at("2018-06-21 10:00")
    assert CALENDAR.working_seconds_between(start, end) == 3 * 86400
    assert CALENDAR.working_seconds_between(end, start) == -3 * 86400
    assert CALENDAR.add(start, 3, working=False) == _at("2018-06-18 10:00")


def test_it_counts_local_days_for_utc_moments():
    utc_moment = _at("2018-07-06 23:30").astimezone(dt.UTC)  # Friday 23:30 in Shanghai
    assert CALENDAR.add(utc_moment, 1, working=True) == _at("2018-07-09 23:30")


def test_edits_override_the_shipped_table():
    edited = WorkCalendar.shipped(
        extra_holidays=[dt.date(2018, 9, 29)], extra_workdays=[dt.date(2018, 10, 1)], tz=SHANGHAI
    )
    assert not edited.is_working_day(dt.date(2018, 9, 29))
    assert edited.is_working_day(dt.date(2018, 10, 1))
