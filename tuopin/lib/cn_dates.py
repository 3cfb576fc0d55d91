"""Chinese date phrases of government documents, resolved against a year.

"7月底前" → 2018-07-31, "9月中旬" → 2018-09-20, "年底前" → 2018-12-31, "第三季度" → 2018-09-30,
"5月—8月" → 2018-05-01..2018-08-31. Framework-free: no Django imports.

Decisions: a deadline is the *last day* it allows (end of day is the caller's business);
上旬/中旬/下旬 end on the 10th/20th/last day; "X月X日前" includes that day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

CHINESE_DIGIT = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
WEEKDAY_CHOICES = [(number, name) for number, name in enumerate(WEEKDAY_NAMES, start=1)]


def weekday_name(number: int) -> str:
    """An ISO weekday (1 = Monday … 7 = Sunday) as a person says it: 5 → 星期五."""
    return WEEKDAY_NAMES[number - 1]


class UndatableError(ValueError):
    """A date phrase was recognised but names no real day (13月底前, 2月30日前, no year known)."""

    def __init__(self, phrase: str, reason: str) -> None:
        super().__init__(f"“{phrase}”{reason}")
        self.phrase = phrase
        self.reason = reason


def chinese_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 十九 → 19, 二十三 → 23; plain digits too."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in CHINESE_DIGIT and ch not in "十百" for ch in text):
        raise ValueError(f"不是数字：{text}")
    total = 0
    current = 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = CHINESE_DIGIT[ch]
    return total + current


@dataclass(frozen=True)
class DatePhrase:
    """A date phrase found in a text: its span, the words, and the days it means."""

    start: int  # offset in the searched text
    end: int
    phrase: str
    first_day: dt.date | None  # for ranges and months: the first day; None for plain deadlines
    last_day: dt.date


_YEAR = r"(?:(?P<year>\d{4})年)?"
_BEFORE = r"(?:以前|之前|前)"
_NUM = r"[0-9一二三四五六七八九十]{1,3}"
_DASH = r"\s*(?:—{1,2}|–|-|－|~|～|至|到)\s*"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "month_range",
        re.compile(
            _YEAR
            + rf"(?P<m1>{_NUM})月(?:份)?{_DASH}(?:(?P<year2>\d{{4}})年)?(?P<m2>{_NUM})月(?:份|底|末)?"
            + rf"{_BEFORE}?"
        ),
    ),
    (
        "day_range",
        re.compile(
            _YEAR
            + rf"(?P<m1>{_NUM})月(?P<d1>{_NUM})日{_DASH}(?:(?P<m2>{_NUM})月)?(?P<d2>{_NUM})日{_BEFORE}?"
        ),
    ),
    ("day", re.compile(_YEAR + rf"(?P<month>{_NUM})月(?P<day>{_NUM})日(?:24时)?{_BEFORE}")),
    ("month_end", re.compile(_YEAR + rf"(?P<month>{_NUM})月(?:底|末|份底){_BEFORE}?")),
    (
        "decade",
        re.compile(_YEAR + rf"(?P<month>{_NUM})月(?P<part>上旬|中旬|下旬)(?:末)?{_BEFORE}?"),
    ),
    ("year_end", re.compile(r"(?:(?P<year>\d{4})|今|本|当)?年(?:底|末|内)" + rf"{_BEFORE}?")),
    (
        "quarter",
        re.compile(
            r"(?:(?P<year>\d{4})年)?第?(?P<quarter>[一二三四1-4])季度(?:末|底)?" + rf"{_BEFORE}?"
        ),
    ),
    (
        "half",
        re.compile(r"(?:(?P<year>\d{4})年)?(?P<half>上半年|下半年)(?:末|底)?" + rf"{_BEFORE}?"),
    ),
    ("month_before", re.compile(_YEAR + rf"(?P<month>{_NUM})月份?{_BEFORE}")),
    (
        "month",
        re.compile(_YEAR + rf"(?P<month>{_NUM})月份?(?![0-9一二三四五六七八九十日底末上中下])"),
    ),
]

# Date-looking words that are not deadlines we can place: reported, never silently dropped.
LOOSE_DATE = re.compile(rf"{_NUM}月{_NUM}日|{_NUM}月份|近期|尽快|适时|下一步")

DEADLINE_KINDS = frozenset(
    {
        "month_range",
        "day_range",
        "day",
        "month_end",
        "decade",
        "year_end",
        "quarter",
        "half",
        "month_before",
    }
)


def _month(value: str, phrase: str) -> int:
    month = chinese_number(value)
    if not 1 <= month <= 12:
        raise UndatableError(phrase, f"中的月份 {month} 不存在")
    return month


def _day(year: int, month: int, value: str, phrase: str) -> dt.date:
    day = chinese_number(value)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise UndatableError(phrase, f"中的日期 {month}月{day}日 不存在") from None


def _last_of(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _resolve(kind: str, match: re.Match[str], year: int | None) -> tuple[dt.date | None, dt.date]:
    phrase = match.group(0)
    groups = match.groupdict()
    if groups.get("year"):
        year = int(groups["year"])
    if year is None:
        raise UndatableError(phrase, "没有年份，文件中也找不到印发年份（如“2018年6月11日印发”）")
    if kind == "month_range":
        first_month = _month(groups["m1"], phrase)
        last_month = _month(groups["m2"], phrase)
        last_year = int(groups["year2"]) if groups.get("year2") else year
        if (last_year, last_month) < (year, first_month):
            raise UndatableError(phrase, "的结束月份早于开始月份")
        return dt.date(year, first_month, 1), _last_of(last_year, last_month)
    if kind == "day_range":
        first_month = _month(groups["m1"], phrase)
        last_month = _month(groups["m2"], phrase) if groups.get("m2") else first_month
        first = _day(year, first_month, groups["d1"], phrase)
        last = _day(year, last_month, groups["d2"], phrase)
        if last < first:
            raise UndatableError(phrase, "的结束日期早于开始日期")
        return first, last
    if kind == "day":
        month = _month(groups["month"], phrase)
        return None, _day(year, month, groups["day"], phrase)
    if kind in ("month_end", "month_before"):
        month = _month(groups["month"], phrase)
        if kind == "month_before":
            # "9月前": before September begins, i.e. by the end of August.
            if month == 1:
                return None, dt.date(year - 1, 12, 31)
            return None, _last_of(year, month - 1)
        return None, _last_of(year, month)
    if kind == "decade":
        month = _month(groups["month"], phrase)
        day = {"上旬": 10, "中旬": 20}.get(groups["part"])
        return None, dt.date(year, month, day) if day else _last_of(year, month)
    if kind == "year_end":
        return None, dt.date(year, 12, 31)
    if kind == "quarter":
        quarter = chinese_number(groups["quarter"])
        return dt.date(year, quarter * 3 - 2, 1), _last_of(year, quarter * 3)
    if kind == "half":
        if groups["half"] == "上半年":
            return dt.date(year, 1, 1), dt.date(year, 6, 30)
        return dt.date(year, 7, 1), dt.date(year, 12, 31)
    month = _month(groups["month"], phrase)
    return dt.date(year, month, 1), _last_of(year, month)


def find(text: str, year: int | None, *, kinds: frozenset[str] | None = None) -> list[DatePhrase]:
    """Every date phrase in ``text`` (longest, first pattern wins; no overlaps), in order.

    Raises :class:`UndatableError` for a phrase that names no real day or has no year.
    """
    taken: list[tuple[int, int]] = []
    found: list[DatePhrase] = []
    for kind, pattern in _PATTERNS:
        if kinds is not None and kind not in kinds:
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            if kind in ("month", "year_end") and _follows_number(text, start):
                continue
            first, last = _resolve(kind, match, year)
            taken.append((start, end))
            found.append(DatePhrase(start, end, match.group(0), first, last))
    return sorted(found, key=lambda phrase: phrase.start)


def find_deadlines(text: str, year: int | None) -> list[DatePhrase]:
    """Deadline phrases only (a bare "9月" is a period, not a deadline)."""
    return find(text, year, kinds=DEADLINE_KINDS)


def find_period(text: str, year: int | None) -> DatePhrase | None:
    """The first period or deadline in ``text`` (phase headings: "(5月—8月)", "(9月)")."""
    phrases = find(text, year)
    return phrases[0] if phrases else None


def _follows_number(text: str, start: int) -> bool:
    """ "3年内", "三年内", "12个月": a count of years or months, not a date."""
    return start > 0 and (
        text[start - 1].isdigit() or text[start - 1] in "一二三四五六七八九十两几多个"
    )


YEAR_IN_TEXT = re.compile(r"(?P<year>(?:19|20)\d{2})年")
ISSUE_DATE = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年\s*(?P<month>[0-9一二三四五六七八九十〇零]{1,3})\s*月\s*"
    r"(?P<day>[0-9一二三四五六七八九十〇零]{1,3})\s*日"
)


def parse_issue_date(text: str) -> dt.date | None:
    """ "2018年6月11日" (digits or 二〇一八年六月十一日 style day/month) → date, else None."""
    match = ISSUE_DATE.search(text)
    if match is None:
        return None
    try:
        return dt.date(
            int(match["year"]), chinese_number(match["month"]), chinese_number(match["day"])
        )
    except ValueError:
        return None
