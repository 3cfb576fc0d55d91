"""Verdicts as JSON and as short Chinese lines (CLI, API, pages share these)."""

from __future__ import annotations

from typing import Any

from tuopin.assess.engine import AreaVerdict, ItemResult, show

STATUS_LABELS = {True: "达标", False: "未达标", None: "无数据"}
COMPARE_WORDS = {"<": "低于", "<=": "不高于", ">": "高于", ">=": "不低于", "==": "为", "!=": "不为"}


def verdict_label(passed: bool | None) -> str:
    return {True: "达标", False: "未达标", None: "待定（有指标无数据）"}[passed]


def item_line(item: ItemResult) -> str:
    value = show(item.value)
    threshold = show(item.threshold)
    unit = item.unit
    return f"{item.label} {value}{unit}（要求{COMPARE_WORDS[item.compare]} {threshold}{unit}）{STATUS_LABELS[item.passed]}"


def village_json(village: AreaVerdict) -> dict[str, Any]:
    return {
        "code": village.code,
        "name": village.name,
        "pass": village.passed,
        "items": {key: item.as_json(with_threshold=False) for key, item in village.items.items()},
    }


def county_json(county: AreaVerdict) -> dict[str, Any]:
    return {
        "pass": county.passed,
        "items": {key: item.as_json(with_threshold=True) for key, item in county.items.items()},
    }


def rates_json(area: AreaVerdict) -> dict[str, Any]:
    return {key: item.as_json(with_threshold=True) for key, item in area.rates.items()}
