"""The bulletin's charts as PNG bytes, drawn with matplotlib (Agg) in the vendored CJK font.

Figures are made with the object API (``Figure``), never pyplot, so no global state is touched
and rendering is safe in web threads.

Every piece of text is given the font file explicitly (``FontProperties(fname=...)``), so the
charts look the same on any machine whatever fonts it has installed.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from tuopin.bulletin.wording import STATUS_LABELS

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"

STATUS_ORDER = ["done", "on_track", "at_risk", "overdue", "not_started"]
STATUS_COLORS = {
    "done": "#2e7d32",
    "on_track": "#81c784",
    "at_risk": "#f0a202",
    "overdue": "#c62828",
    "not_started": "#b0bec5",
}
DPI = 150
TOWNS_SHOWN_AT_EACH_END = 15


def font(size: float = 10) -> FontProperties:
    return FontProperties(fname=str(FONT_PATH), size=size)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # Fixed margins instead of bbox_inches="tight", which draws every figure twice.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _style_axes(ax, size: float = 9) -> None:
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_fontproperties(font(size))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def milestone_status_chart(actions: list[dict[str, Any]]) -> bytes:
    """Horizontal stacked bars: each action's milestones by status."""
    labels = [f"（{a['number']}）{a['short_title']}" for a in actions]
    height = max(2.5, 0.32 * len(actions) + 1.2)
    fig = Figure(figsize=(6.2, height))
    ax = fig.subplots()
    left = [0] * len(actions)
    positions = list(range(len(actions)))
    for status in STATUS_ORDER:
        counts = [sum(1 for m in a["milestones"] if m["status"] == status) for a in actions]
        if not any(counts):
            continue
        ax.barh(
            positions,
            counts,
            left=left,
            color=STATUS_COLORS[status],
            label=STATUS_LABELS[status],
            height=0.65,
        )
        left = [x + y for x, y in zip(left, counts, strict=True)]
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("时间节点数（个）", fontproperties=font(9))
    ax.set_title("各专项行动时间节点完成情况", fontproperties=font(11))
    fig.subplots_adjust(left=0.27, right=0.97, top=1 - 0.45 / height, bottom=1.0 / height)
    if actions:
        ax.legend(
            prop=font(8),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.55 / height - 0.02),
            ncol=5,
            frameon=False,
        )
    _style_axes(ax, 8)
    return _png(fig)


def timeliness_chart(history: list[dict[str, Any]]) -> bytes:
    """Stacked bars per week: units on time, late and missing."""
    weeks = [row["label"] for row in history]
    positions = list(range(len(weeks)))
    fig = Figure(figsize=(6.2, 2.8))
    ax = fig.subplots()
    bottom = [0] * len(weeks)
    for key, label, color in (
        ("on_time", "按时报送", "#2e7d32"),
        ("late", "迟报", "#f0a202"),
        ("missing", "未报", "#c62828"),
    ):
        values = [row[key] for row in history]
        ax.bar(positions, values, bottom=bottom, color=color, label=label, width=0.6)
        bottom = [x + y for x, y in zip(bottom, values, strict=True)]
    ax.set_xticks(positions, weeks)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("单位数（个）", fontproperties=font(9))
    ax.set_title("各周周报报送情况", fontproperties=font(11))
    fig.subplots_adjust(left=0.1, right=0.84, top=0.88, bottom=0.12)
    if weeks:
        ax.legend(prop=font(8), loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    _style_axes(ax, 8)
    return _png(fig)


def town_ranking_chart(towns: list[dict[str, Any]]) -> bytes:
    """Horizontal bars of the towns' composite score, best on top (the ends only when many)."""
    if len(towns) > 2 * TOWNS_SHOWN_AT_EACH_END:
        towns = towns[:TOWNS_SHOWN_AT_EACH_END] + towns[-TOWNS_SHOWN_AT_EACH_END:]
    names = [f"{t['rank']}. {t['name']}" for t in towns]
    scores = [t["score"] for t in towns]
    positions = list(range(len(towns)))
    height = max(2.2, 0.3 * len(towns) + 1.0)
    fig = Figure(figsize=(6.2, height))
    ax = fig.subplots()
    bars = ax.barh(positions, scores, color="#c0392b", height=0.6)
    ax.bar_label(bars, labels=[f"{s:.1f}" for s in scores], padding=3, fontproperties=font(8))
    ax.set_yticks(positions, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel("综合得分（满分100）", fontproperties=font(9))
    ax.set_title("各镇综合排名", fontproperties=font(11))
    fig.subplots_adjust(left=0.2, right=0.97, top=1 - 0.4 / height, bottom=0.6 / height)
    _style_axes(ax, 8)
    return _png(fig)


def available(snapshot: dict[str, Any]) -> set[str]:
    """The names of the charts a snapshot has data for."""
    names = set()
    if snapshot.get("actions"):
        names.add("milestones")
    if (snapshot.get("timeliness") or {}).get("history"):
        names.add("timeliness")
    if snapshot.get("towns"):
        names.add("towns")
    return names


def draw(snapshot: dict[str, Any], name: str) -> bytes | None:
    """One chart of a snapshot as PNG (None when the snapshot has no data for it)."""
    if name not in available(snapshot):
        return None
    if name == "milestones":
        return milestone_status_chart(snapshot["actions"])
    if name == "timeliness":
        return timeliness_chart(snapshot["timeliness"]["history"])
    return town_ranking_chart(snapshot["towns"])


def all_charts(snapshot: dict[str, Any]) -> dict[str, bytes]:
    """Every chart a snapshot has data for, by name."""
    return {name: draw(snapshot, name) for name in sorted(available(snapshot))}
