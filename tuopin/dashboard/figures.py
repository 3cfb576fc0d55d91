"""A dashboard figure: one number with its label, drill-down link and, when unknown, the reason.

Missing data is never shown as zero: ``value is None`` renders as “无数据” with ``reason``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from tuopin.lib.metrics import Value

Number = int | Decimal


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: Number | None
    reason: str = ""
    of: int | None = None  # "62 个中的 …"
    unit: str = ""
    tone: str = ""  # "", "ok", "warn", "bad"
    url: str = ""
    detail: str = ""  # one short line under the number
    loading: bool = False  # a placeholder while its fragment loads

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def display(self) -> str:
        if self.value is None:
            return "计算中…" if self.loading else "无数据"
        if isinstance(self.value, Decimal):
            text = (
                f"{self.value.normalize():f}"
                if self.value == self.value.to_integral()
                else f"{self.value:.1f}"
            )
        else:
            text = str(self.value)
        return text

    def with_url(self, url: str) -> Figure:
        return replace(self, url=url)


def missing(key: str, label: str, reason: str, **extra) -> Figure:
    return Figure(key=key, label=label, value=None, reason=reason, **extra)


def from_value(key: str, label: str, value: Value, **extra) -> Figure:
    """A figure from a metric value; an unknown value keeps the metric's reason."""
    if value.value is None:
        return missing(key, label, value.reason or "该指标暂无数值", **extra)
    number: Number = value.value
    if isinstance(number, Decimal) and number == number.to_integral() and abs(number) < 10**12:
        number = int(number)
    return Figure(key=key, label=label, value=number, **extra)
