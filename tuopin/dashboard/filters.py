"""Dashboard query parameters: a bad value is ignored with a notice, never an error."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence


def as_of(params: Mapping[str, str], today: dt.date) -> tuple[dt.date, list[str]]:
    """``?week=2018-07-13`` shows the figures as at the end of that week (never after today)."""
    raw = (params.get("week") or "").strip()
    if not raw:
        return today, []
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return today, [f"参数 week={raw[:40]} 无效，已忽略：请使用日期格式，如 2018-07-13"]
    if day > today:
        return today, [f"参数 week={raw} 晚于今天，已忽略：只能查看已过去的周"]
    if day.year < 2000:
        return today, [f"参数 week={raw} 过早，已忽略"]
    week_end = day + dt.timedelta(days=6 - day.weekday())
    return min(week_end, today), []


def choice(
    params: Mapping[str, str], name: str, allowed: Sequence[tuple[str, str]], default: str
) -> tuple[str, list[str]]:
    """One of ``allowed`` keys, or the default with a notice naming the valid values."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return default, []
    keys = [key for key, _ in allowed]
    if raw in keys:
        return raw, []
    valid = "、".join(f"{key}（{label}）" for key, label in allowed)
    return default, [f"参数 {name}={raw[:40]} 无效，已忽略；可选值：{valid}"]
