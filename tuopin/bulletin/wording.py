"""Chinese wording shared by the .docx and the HTML page, so both say exactly the same thing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tuopin.lib.gongwen import chinese_date, section_number  # noqa: F401 (shared wording)
from tuopin.plan import progress as plan_progress

STATUS_LABELS = dict(plan_progress.STATUS_LABELS)

STATUS_TAGS = {
    "done": "ok",
    "on_track": "ok",
    "at_risk": "warn",
    "overdue": "bad",
    "not_started": "",
    "unknown": "",
}


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
