"""Chinese wording shared by the .docx and the HTML page, so both say exactly the same thing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tuopin.plan import progress as plan_progress

CN_NUMERALS = "一二三四五六七八九十"

STATUS_LABELS = dict(plan_progress.STATUS_LABELS)

STATUS_TAGS = {
    "done": "ok",
    "on_track": "ok",
    "at_risk": "warn",
    "overdue": "bad",
    "not_started": "",
    "unknown": "",
}


def section_number(index: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一 (enough for a bulletin's sections)."""
    if index <= 10:
        return CN_NUMERALS[index - 1]
    return "十" + CN_NUMERALS[index - 11]


def number(value: Any) -> str:
    """A figure as printed: integers without decimals, others with up to two."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{float(value):,.2f}".rstrip("0").rstrip(".")


def with_unit(value: Any, unit: str) -> str:
    text = number(value)
    return text if text == "—" or not unit else f"{text}{unit}"


def chinese_date(value: str | dt.date | None) -> str:
    if not value:
        return "—"
    day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


def short_date(value: str | None) -> str:
    if not value:
        return "—"
    day = dt.date.fromisoformat(value[:10])
    return f"{day.month}月{day.day}日"


def moment(value: str | None) -> str:
    """An ISO datetime as “7月20日 14:05”."""
    if not value:
        return "—"
    at = dt.datetime.fromisoformat(value)
    return f"{at.month}月{at.day}日 {at:%H:%M}"


def movement(value: int | None) -> str:
    if value is None:
        return "新上榜"
    if value > 0:
        return f"↑{value}"
    if value < 0:
        return f"↓{-value}"
    return "—"


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def join_names(names: list[str]) -> str:
    return "、".join(names) if names else "无"
