"""The campaign's Gantt chart: one row per milestone, grouped under its action, with labels.

Each row is an HTML flex row: a label cell (short text, deadline, status in words) that stays
in view while the chart scrolls sideways (``position: sticky``), and a small SVG with the bar
(from the milestone's start to its deadline, the share of the target reached filled in) and a
diamond at the deadline. Rows never share a line, so milestones due the same day cannot hide one
another. Month lines and the today line are one SVG laid over all rows. Built as a string (not a
template loop) so that thousands of milestones render in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

STATUS_COLOURS = {
    "done": "#2e7d32",
    "on_track": "#1565c0",
    "at_risk": "#e69500",
    "overdue": "#c62828",
    "not_started": "#8a96a3",
}
TARGET_WIDTH = 900  # px the chart aims at, so that labels and chart print on one landscape page
MIN_DAY_WIDTH = 3.0
MAX_DAY_WIDTH = 8.0
ROW_HEIGHT = 40
AXIS_HEIGHT = 22
PHASE_HEIGHT = 22
TODAY_HEIGHT = 18  # a line of its own for "今天 07月20日", clear of the month names
END_MARGIN = 12  # room for the diamond of a milestone due on the chart's last day


@dataclass(frozen=True)
class Bar:
    """One milestone's row."""

    milestone_id: int
    label: str  # the short text shown beside the bar
    text: str  # the whole clause, as a tooltip
    start: dt.date
    deadline: dt.date
    status: str
    status_label: str
    reason: str
    done_share: float | None  # 0–1 of the target reached, None without a numeric target
    url: str


@dataclass(frozen=True)
class Group:
    """An action heading and its milestones."""

    label: str
    url: str
    bars: list[Bar]


@dataclass(frozen=True)
class Band:
    name: str
    start: dt.date
    end: dt.date


_CLAUSE_END = re.compile(r"[,，;；。]")


def short_text(text: str, phrase: str) -> str:
    """The commitment of a clause without its date phrase: "8月底前完成35个标准化卫生室建设,按标准…"
    → "完成35个标准化卫生室建设"; the date is shown beside it anyway."""
    text = " ".join(text.split())
    if phrase and phrase in text:
        before, after = text.split(phrase, 1)
        after = after.lstrip(",，、:： ")
        if after:
            return _CLAUSE_END.split(after, 1)[0]
        return _CLAUSE_END.split(before.rstrip(",，、 "))[-1] or text
    return _CLAUSE_END.split(text, 1)[0]


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _span(groups: list[Group], bands: list[Band], today: dt.date) -> tuple[dt.date, dt.date]:
    days = [today]
    for band in bands:
        days += [band.start, band.end]
    for group in groups:
        for bar in group.bars:
            days += [bar.start, bar.deadline]
    return min(days).replace(day=1), _next_month(max(days))


def render(groups: list[Group], bands: list[Band], today: dt.date) -> SafeString:
    """The chart: month axis with phases, then per action a heading row and its milestone rows."""
    first, last = _span(groups, bands, today)
    total_days = max((last - first).days, 1)
    day_width = min(max(TARGET_WIDTH / total_days, MIN_DAY_WIDTH), MAX_DAY_WIDTH)
    width = round(total_days * day_width) + END_MARGIN

    def x(day: dt.date) -> float:
        return round((day - first).days * day_width, 1)

    today_x = x(today) + round(day_width / 2, 1)  # the middle of today
    out = [
        f'<div class="gantt" data-today-x="{today_x}" style="--gantt-width: {width}px">'
        '<div class="gantt-inner">'
        f'<svg class="gantt-grid" width="{width}" height="100%" aria-hidden="true">'
    ]
    month = first
    while month < last:
        out.append(f'<line x1="{x(month)}" x2="{x(month)}" y1="0" y2="100%" class="grid"/>')
        month = _next_month(month)
    out.append(f'<line x1="{today_x}" x2="{today_x}" y1="0" y2="100%" class="gantt-today"/></svg>')
    phases_height = PHASE_HEIGHT if bands else 0
    axis_height = AXIS_HEIGHT + phases_height + TODAY_HEIGHT
    out.append(
        '<div class="gantt-row gantt-axis"><div class="gantt-label">'
        f"{'专项行动 · 时间节点' if groups else '阶段'}</div>"
        f'<svg width="{width}" height="{axis_height}" role="img" aria-label="月份与阶段">'
    )
    month = first
    while month < last:
        out.append(
            f'<text x="{x(month) + 3}" y="15" class="axis">{month.year}年{month.month}月</text>'
        )
        month = _next_month(month)
    for band in bands:
        left, right = x(band.start), x(band.end + dt.timedelta(days=1))
        out.append(
            f'<rect x="{left}" y="{AXIS_HEIGHT}" width="{max(right - left, 2)}"'
            f' height="{PHASE_HEIGHT - 4}" class="phase"><title>{escape(band.name)}'
            f" {band.start:%m月%d日}—{band.end:%m月%d日}</title></rect>"
            f'<text x="{left + 4}" y="{AXIS_HEIGHT + 13}" class="phase-label">'
            f"{escape(band.name)}</text>"
        )
    label_anchor = "end" if today_x > width - 90 else "start"
    label_x = today_x - 3 if label_anchor == "end" else today_x + 3
    out.append(
        f'<text x="{label_x}" y="{AXIS_HEIGHT + phases_height + 13}" text-anchor="{label_anchor}" class="gantt-today-label">'
        f"今天 {today:%m月%d日}</text></svg></div>"
    )
    middle = ROW_HEIGHT / 2
    for group in groups:
        out.append(
            f'<div class="gantt-row gantt-group"><a class="gantt-label" href="{escape(group.url)}">'
            f"{escape(group.label)}</a></div>"
        )
        for bar in group.bars:
            colour = STATUS_COLOURS.get(bar.status, STATUS_COLOURS["not_started"])
            deadline_x = x(bar.deadline) + round(day_width / 2, 1)
            tip = escape(
                f"{bar.text}\n{bar.deadline.month}月{bar.deadline.day}日前 · {bar.status_label}"
            )
            if bar.reason:
                tip += escape(f"：{bar.reason}")
            out.append(
                f'<div class="gantt-row gantt-item" data-status="{bar.status}"'
                f' data-milestone="{bar.milestone_id}" title="{tip}">'
                f'<a class="gantt-label" href="{escape(bar.url)}">'
                f'<span class="gantt-text">{escape(bar.label)}</span>'
                f'<span class="gantt-meta">{bar.deadline.month}月{bar.deadline.day}日前 · '
                f'<b class="gantt-status">{escape(bar.status_label)}</b></span></a>'
                f'<svg width="{width}" height="{ROW_HEIGHT}" role="img"'
                f' aria-label="{escape(bar.label)}，{bar.deadline.month}月{bar.deadline.day}日前，'
                f'{escape(bar.status_label)}">'
            )
            if bar.start < bar.deadline:
                left = x(bar.start)
                span = max(deadline_x - left, 2)
                out.append(
                    f'<rect x="{left}" y="{middle - 7}" width="{span}" height="14" rx="3"'
                    f' fill="{colour}" class="gantt-bar"/>'
                )
                if bar.done_share:
                    out.append(
                        f'<rect x="{left}" y="{middle - 7}" width="{round(span * bar.done_share, 1)}"'
                        f' height="14" rx="3" fill="{colour}" class="gantt-done"/>'
                    )
            out.append(
                f'<path d="M{deadline_x} {middle - 8}l8 8l-8 8l-8 -8z" fill="{colour}"'
                f' class="marker status-{bar.status}"/></svg></div>'
            )
    out.append("</div></div>")
    return mark_safe("".join(out))  # noqa: S308 - every interpolated text is escaped above
