"""Server-rendered SVG of a campaign: phases, milestones per action, and a today line.

Built as a string (not a template loop) so that thousands of milestones render in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import html
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
LABEL_WIDTH = 220
ROW_HEIGHT = 22
PHASE_HEIGHT = 26
AXIS_HEIGHT = 24


@dataclass(frozen=True)
class Row:
    label: str
    url: str
    markers: list[Marker]


@dataclass(frozen=True)
class Marker:
    day: dt.date
    start: dt.date | None
    status: str
    title: str
    url: str  # built from ids only: safe without escaping


@dataclass(frozen=True)
class Band:
    name: str
    start: dt.date
    end: dt.date


def _span(rows: list[Row], bands: list[Band], today: dt.date) -> tuple[dt.date, dt.date]:
    days = [today]
    for band in bands:
        days += [band.start, band.end]
    for row in rows:
        for marker in row.markers:
            days.append(marker.day)
            if marker.start:
                days.append(marker.start)
    first, last = min(days), max(days)
    first = first.replace(day=1)
    last = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)  # first of next month
    return first, last


def render(rows: list[Row], bands: list[Band], today: dt.date, *, width: int = 960) -> SafeString:
    """The SVG: month axis, phase bands, one row per action, a red today line."""
    first, last = _span(rows, bands, today)
    total_days = max((last - first).days, 1)
    plot = width - LABEL_WIDTH - 10

    def x(day: dt.date) -> float:
        return round(LABEL_WIDTH + plot * (day - first).days / total_days, 1)

    top = AXIS_HEIGHT + (PHASE_HEIGHT if bands else 0)
    height = top + ROW_HEIGHT * max(len(rows), 1) + 8
    out: list[str] = [
        f'<svg class="plan-timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-label="时间节点甘特图">'
    ]
    month = first
    while month < last:
        left = x(month)
        out.append(
            f'<line x1="{left}" y1="{AXIS_HEIGHT - 6}" x2="{left}" y2="{height}" class="grid"/>'
            f'<text x="{left + 3}" y="{AXIS_HEIGHT - 10}" class="axis">{month.year}年{month.month}月</text>'
        )
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    for band in bands:
        left, right = x(band.start), x(band.end + dt.timedelta(days=1))
        out.append(
            f'<rect x="{left}" y="{AXIS_HEIGHT}" width="{max(right - left, 2)}" height="{PHASE_HEIGHT - 6}"'
            f' class="phase"><title>{escape(band.name)} {band.start:%m月%d日}—{band.end:%m月%d日}</title></rect>'
            f'<text x="{left + 4}" y="{AXIS_HEIGHT + 14}" class="phase-label">{escape(band.name)}</text>'
        )
    for index, row in enumerate(rows):
        y = top + index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        if index % 2 == 0:
            out.append(
                f'<rect x="0" y="{y}" width="{width}" height="{ROW_HEIGHT}" class="stripe"/>'
            )
        out.append(
            f'<a href="{escape(row.url)}"><text x="4" y="{middle + 4}" class="row-label">'
            f"{escape(row.label[:16])}</text></a>"
        )
        for marker in row.markers:
            colour = STATUS_COLOURS.get(marker.status, "#8a96a3")
            cx = x(marker.day)
            tip = f"<title>{html.escape(marker.title, quote=False)}</title>"
            if marker.start:
                left = x(marker.start)
                out.append(
                    f'<rect x="{left}" y="{middle - 4}" width="{max(cx - left, 2)}" height="8" rx="3"'
                    f' fill="{colour}" opacity=".35"/>'
                )
            out.append(
                f'<a href="{marker.url}"><path d="M{cx} {middle - 6}l6 6l-6 6l-6 -6z" fill="{colour}"'
                f' class="marker status-{marker.status}">{tip}</path></a>'
            )
    today_x = x(today)
    out.append(
        f'<line x1="{today_x}" y1="{AXIS_HEIGHT - 6}" x2="{today_x}" y2="{height}" class="today"/>'
        f'<text x="{today_x + 3}" y="{height - 4}" class="today-label">今天 {today:%m月%d日}</text>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every interpolated text is escaped above
