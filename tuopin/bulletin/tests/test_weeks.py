from __future__ import annotations

import datetime as dt

import pytest

from tuopin.bulletin.compose import check_week
from tuopin.bulletin.weeks import Week, WeekError


def test_it_parses_iso_weeks():
    week = Week.parse("2018-W30")
    assert (week.monday, week.sunday) == (dt.date(2018, 7, 23), dt.date(2018, 7, 29))
    assert str(Week.parse("2018w3")) == "2018-W03"
    assert week.label == "7月23日—29日"
    assert Week.parse("2018-W31").label == "7月30日—8月5日"
    assert week.shift(-1) == Week.parse("2018-W29")
    assert Week.of(dt.date(2018, 12, 31)) == Week(2019, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2018-30", "格式不正确"),
        ("", "格式不正确"),
        ("W30", "格式不正确"),
        ("2018-W53", "不存在：2018 年的 ISO 周为第 1—52 周"),
        ("2018-W00", "不存在"),
    ],
)
def test_it_refuses_malformed_weeks_in_chinese(text, message):
    with pytest.raises(WeekError, match=message):
        Week.parse(text)


def test_it_refuses_weeks_outside_the_campaign(campaign):
    # The last phase ends 2018-09-30 (W39); four weeks of margin.
    assert str(check_week(campaign, "2018-W43")) == "2018-W43"
    with pytest.raises(WeekError, match="已超出作战计划《陇县脱贫“摘帽”百日冲刺工作方案》的实施期"):
        check_week(campaign, "2018-W44")
    # The first phase starts 2018-05-01 (W18); eight weeks before is still a bulletin.
    assert str(check_week(campaign, "2018-W10")) == "2018-W10"
    with pytest.raises(WeekError, match="早于作战计划"):
        check_week(campaign, "2018-W09")
