"""Code lists of the water ledger and the GB 5749 parameters a test report may name."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models


class SupplyKind(models.TextChoices):
    CENTRAL = "central", "集中供水"
    DISPERSED = "dispersed", "分散供水"


class SampleKind(models.TextChoices):
    SOURCE = "source", "水源水"
    OUTLET = "outlet", "出厂水"
    TAP = "tap", "末梢水"
    HOUSEHOLD = "household", "入户水样"


@dataclass(frozen=True)
class Parameter:
    """A GB 5749 parameter: its unit, the physically possible range of a measured value and the
    limit (``low`` ≤ value ≤ ``high``) a safe sample keeps."""

    name: str
    unit: str
    top: Decimal  # a measured value above this is not physical (a typing error)
    high: Decimal
    low: Decimal = Decimal(0)
    bottom: Decimal = Decimal(0)

    def passes(self, value: Decimal) -> bool:
        return self.low <= value <= self.high

    @property
    def limit(self) -> str:
        if self.low > 0:
            return f"{self.low}–{self.high}"
        if self.high == 0:
            return "不得检出"
        return f"≤{self.high}"


D = Decimal
PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in (
        Parameter("浑浊度", "NTU", D(4000), D(1)),
        Parameter("色度", "度", D(1000), D(15)),
        Parameter("pH", "", D(14), D("8.5"), D("6.5")),
        Parameter("菌落总数", "CFU/mL", D(10000000), D(100)),
        Parameter("总大肠菌群", "MPN/100mL", D(1000000), D(0)),
        Parameter("耐热大肠菌群", "MPN/100mL", D(1000000), D(0)),
        Parameter("大肠埃希氏菌", "MPN/100mL", D(1000000), D(0)),
        Parameter("砷", "mg/L", D(100), D("0.01")),
        Parameter("氟化物", "mg/L", D(100), D(1)),
        Parameter("硝酸盐", "mg/L", D(1000), D(10)),
        Parameter("耗氧量", "mg/L", D(1000), D(3)),
        Parameter("溶解性总固体", "mg/L", D(100000), D(1000)),
        Parameter("总硬度", "mg/L", D(100000), D(450)),
        Parameter("铁", "mg/L", D(1000), D("0.3")),
        Parameter("锰", "mg/L", D(1000), D("0.1")),
        Parameter("氨氮", "mg/L", D(1000), D("0.5")),
        Parameter("游离氯", "mg/L", D(100), D(4)),
    )
}
ALIASES = {
    "PH": "pH",
    "ph": "pH",
    "硝酸盐氮": "硝酸盐",
    "硝酸盐（以N计）": "硝酸盐",
    "余氯": "游离氯",
}


def parse_values(text: str) -> tuple[dict[str, str], list[str]]:
    """``浑浊度=0.6；pH=7.2`` → ({"浑浊度": "0.6", "pH": "7.2"}, problems in Chinese)."""
    values: dict[str, str] = {}
    problems: list[str] = []
    for part in text.replace("；", ";").replace("，", ";").replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, raw = part.replace("＝", "=").replace("：", "=").replace(":", "=").partition("=")
        name = ALIASES.get(name.strip(), name.strip())
        raw = raw.strip()
        parameter = PARAMETERS.get(name)
        if not sep or parameter is None:
            problems.append(f"“{name or part}”不是《生活饮用水卫生标准》（GB 5749）的检测指标")
            continue
        if name in values:
            problems.append(f"检测指标“{name}”填了不止一次")
            continue
        if raw in ("未检出", "ND", "nd", "<DL"):
            raw = "0"
        for unit in (parameter.unit, "mg/l", "NTU"):
            if unit and raw.endswith(unit):
                raw = raw[: -len(unit)].strip()
        try:
            value = Decimal(raw)
        except ArithmeticError:
            problems.append(f"检测指标“{name}”的值“{raw}”不是数字")
            continue
        if not value.is_finite() or not parameter.bottom <= value <= parameter.top:
            problems.append(
                f"检测指标“{name}”的值 {raw} 超出可能的范围（{parameter.bottom}–{parameter.top}"
                f"{parameter.unit}），请核对"
            )
            continue
        values[name] = str(value)
    if not values and not problems:
        problems.append("至少填写一项检测指标，如“浑浊度=0.6；pH=7.2”")
    return values, problems


def failures(values: dict[str, str]) -> list[str]:
    """The parameters outside their limit, as a person reads them (砷 0.05 mg/L，限值 ≤0.01)."""
    failed = []
    for name, raw in values.items():
        parameter = PARAMETERS[name]
        value = Decimal(raw)
        if not parameter.passes(value):
            failed.append(f"{name} {raw}{parameter.unit}（限值 {parameter.limit}）")
    return failed


def labels(choices: type[models.TextChoices]) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}
