"""Rule sets as data: versioned TOML files per province and year, loaded and checked.

A file (``tuopin/assess/rules/<key>.toml``) names its province (2-digit code) and year, may
``extends`` an earlier file, declares parameters with defaults, and states the household,
village and county items and the 三率 estimates as expressions (tuopin.lib.ruleexpr). Loading
parses every expression, expands definitions and checks every name against
:mod:`tuopin.assess.vocabulary`, so a broken file fails at load time with the section and key,
never halfway through an evaluation. No code change is needed for a new province or year.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tuopin.assess.vocabulary import HOUSEHOLD_FACTS, MEMBER_FACTS, VILLAGE_FACTS
from tuopin.lib import bounds, ruleexpr
from tuopin.lib.ruleexpr import AGGREGATES, Call, ExpressionError, Name, Node

RULES_DIR = Path(__file__).resolve().parent / "rules"
COMPARATORS = ("<", "<=", ">", ">=", "==", "!=")
PARAMETER_TYPES = ("number", "date", "text")
# Parameters every rule set has; their defaults come from the evaluation date.
BUILTIN_PARAMETERS = ("as_of", "assessment_year")


class RuleError(ValueError):
    """A rule file is invalid; the message names the file, section and key."""


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    label: str
    type: str
    default: Any
    note: str = ""
    # A number's sane range, stated by the rule file (``min``/``max``): HQ cannot store a value
    # outside it, so no typo or probe reaches the evaluation.
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    unit: str = ""

    def parse(self, raw: Any) -> Any:
        """Turn user input (text, number, date) into the parameter's value; '' means unset."""
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            return None
        label = f"参数“{self.label}”"
        if self.type == "number":
            return bounds.parse_number(
                raw,
                label,
                minimum=self.minimum if self.minimum is not None else -bounds.MAX_COUNT,
                maximum=self.maximum if self.maximum is not None else bounds.MAX_COUNT,
            )
        if self.type == "date":
            if isinstance(raw, dt.date):
                return bounds.check_date(raw, label)
            return bounds.parse_date(str(raw), label)
        return str(raw)

    def format(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if value == value.to_integral() else str(value)
        return str(value)


@dataclass(frozen=True)
class Label:
    """The Chinese name of a value a page shows, and the unit written after it."""

    label: str
    unit: str = ""


@dataclass(frozen=True)
class HouseholdItem:
    key: str
    label: str
    test: Node  # expanded, household level
    reason: str  # the sentence when the item fails
    text: str
    met: str = ""  # the sentence when it passes


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    when: Node  # expanded, household level
    reason: str
    text: str


@dataclass(frozen=True)
class MeasuredItem:
    """A village, county or rate item: ``value <compare> threshold``."""

    key: str
    label: str
    value: Node  # expanded at its level
    compare: str
    threshold: Node
    unit: str
    text: str


@dataclass(frozen=True)
class RuleSet:
    key: str
    province: str
    year: int
    name: str
    source: str
    parameters: dict[str, ParameterSpec]
    household_items: dict[str, HouseholdItem]
    gates: dict[str, HouseholdItem]
    checks: dict[str, Check]
    household_values: dict[str, Node]  # expanded definitions, for reasons and explanations
    member_values: dict[str, Node]  # expanded member definitions, for explanations
    labels: dict[str, Label]  # every household/member definition, fact and parameter by name
    village_items: dict[str, MeasuredItem]
    county_items: dict[str, MeasuredItem]
    rate_items: dict[str, MeasuredItem]
    path: Path = field(compare=False)

    def __str__(self) -> str:
        return self.name

    def defaults(self) -> dict[str, Any]:
        return {name: spec.default for name, spec in self.parameters.items()}

    def label_of(self, name: str) -> Label:
        """A placeholder's name and unit (``$name`` is a parameter)."""
        return self.labels[name]


def fill(template: str, lookup) -> str:
    """Fill ``{name}`` / ``{$param}`` placeholders (plain text substitution, no format spec)."""
    out: list[str] = []
    position = 0
    while True:
        start = template.find("{", position)
        if start < 0:
            out.append(template[position:])
            return "".join(out)
        end = template.find("}", start)
        if end < 0:
            out.append(template[position:])
            return "".join(out)
        out.append(template[position:start])
        out.append(lookup(template[start + 1 : end].strip()))
        position = end + 1


def placeholders(template: str) -> list[str]:
    found = []
    position = 0
    while (start := template.find("{", position)) >= 0:
        end = template.find("}", start)
        if end < 0:
            break
        found.append(template[start + 1 : end].strip())
        position = end + 1
    return found


# ---------------------------------------------------------------- expansion


class _Expander:
    """Expands definitions level by level and checks that every name is known."""

    def __init__(self, where: str, raw: dict[str, Any]) -> None:
        self.where = where
        self.definitions: dict[str, dict[str, Node]] = {}
        self.raw = raw

    def define(self, level: str, definitions: dict[str, Node]) -> None:
        self.definitions[level] = definitions

    def expand(self, node: Node, level: str, stack: tuple[str, ...] = ()) -> Node:
        definitions = self.definitions.get(level, {})
        if isinstance(node, Name):
            if node.name in definitions:
                if node.name in stack:
                    raise ExpressionError("定义循环引用：" + " → ".join((*stack, node.name)))
                return self.expand(definitions[node.name], level, (*stack, node.name))
            if node.name not in _facts(level):
                known = "、".join(sorted({*definitions, *_facts(level)}))
                raise ExpressionError(
                    f"{_LEVEL_LABELS[level]}中未知的名称“{node.name}”（可用：{known}）"
                )
            return node
        if isinstance(node, Call) and node.function in AGGREGATES:
            collection = node.args[0]
            assert isinstance(collection, Name)
            inner = _COLLECTION_LEVEL.get((level, collection.name))
            if inner is None:
                raise ExpressionError(
                    f"{_LEVEL_LABELS[level]}中不能对“{collection.name}”求{node.function}"
                )
            return Call(
                node.function,
                (collection, *(self.expand(arg, inner) for arg in node.args[1:])),
            )
        return ruleexpr.map_children(node, lambda child: self.expand(child, level, stack))


_LEVEL_LABELS = {
    "member": "成员条件",
    "household": "户条件",
    "village": "村条件",
    "village_row": "县条件的村集合",
    "county": "县条件",
}
_COLLECTION_LEVEL = {
    ("household", "members"): "member",
    ("village", "households"): "household",
    ("county", "households"): "household",
    ("county", "villages"): "village_row",
}


def _facts(level: str) -> set[str]:
    if level == "member":
        return set(MEMBER_FACTS)
    if level == "household":
        return set(HOUSEHOLD_FACTS)
    if level in ("village", "village_row"):
        return set(VILLAGE_FACTS)
    return set()


# ---------------------------------------------------------------- loading


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(key: str, seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], Path]:
    path = RULES_DIR / f"{key}.toml"
    if not path.is_file():
        raise RuleError(f"找不到规则文件 {path.name}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise RuleError(f"规则文件 {path.name} 格式错误：{error}") from None
    if data.get("key") != key:
        raise RuleError(f"规则文件 {path.name} 的 key 应为“{key}”")
    parent = data.get("extends")
    if parent:
        if parent in seen:
            raise RuleError(f"规则文件 {path.name} 的 extends 循环引用 {parent}")
        base, _ = _read(parent, (*seen, key))
        data = _merge({k: v for k, v in base.items() if k != "extends"}, data)
    return data, path


def _parse(text: Any, where: str) -> Node:
    if not isinstance(text, str | int | float | bool):
        raise RuleError(f"{where}：应为表达式文本")
    if isinstance(text, bool):
        text = "true" if text else "false"
    try:
        return ruleexpr.parse(str(text))
    except ExpressionError as error:
        raise RuleError(f"{where}：{error}") from None


def _section(data: dict[str, Any], *path: str) -> dict[str, Any]:
    current: Any = data
    for part in path:
        current = current.get(part, {}) if isinstance(current, dict) else {}
    return current if isinstance(current, dict) else {}


def load(key: str) -> RuleSet:
    """Load and check one rule set by key (e.g. ``shaanxi-2018``)."""
    return _load_cached(key)


@functools.cache
def _load_cached(key: str) -> RuleSet:
    data, path = _read(key)
    name = path.name
    for required in ("province", "year", "name"):
        if required not in data:
            raise RuleError(f"规则文件 {name} 缺少 {required}")

    parameters: dict[str, ParameterSpec] = {
        "as_of": ParameterSpec("as_of", "评估基准日", "date", None, "默认为今天"),
        "assessment_year": ParameterSpec(
            "assessment_year",
            "评估年度",
            "number",
            None,
            "默认为评估基准日所在年度",
            Decimal(bounds.EARLIEST_DATE.year),
            Decimal(bounds.LATEST_DATE.year),
        ),
    }
    for param_name, spec in _section(data, "parameters").items():
        where = f"{name} [parameters.{param_name}]"
        if param_name in BUILTIN_PARAMETERS:
            raise RuleError(f"{where}：{param_name} 是内置参数，不能重新定义")
        if not isinstance(spec, dict) or spec.get("type") not in PARAMETER_TYPES:
            raise RuleError(f"{where}：type 应为 {'/'.join(PARAMETER_TYPES)} 之一")
        minimum = maximum = None
        if spec["type"] == "number":
            try:
                minimum, maximum = Decimal(str(spec["min"])), Decimal(str(spec["max"]))
            except (KeyError, ArithmeticError):
                raise RuleError(f"{where}：数字参数须写明取值范围 min 和 max") from None
            if not (minimum.is_finite() and maximum.is_finite() and minimum <= maximum):
                raise RuleError(f"{where}：min 和 max 应为有限数字且 min ≤ max")
        draft = ParameterSpec(
            param_name, spec.get("label", param_name), spec["type"], None, "", minimum, maximum
        )
        try:
            default = draft.parse(spec.get("value"))
        except ValueError as error:
            raise RuleError(f"{where}：{error}") from None
        parameters[param_name] = ParameterSpec(
            param_name,
            draft.label,
            draft.type,
            default,
            spec.get("note", ""),
            minimum,
            maximum,
            unit=spec.get("unit", ""),
        )

    expander = _Expander(name, data)

    def parsed_definitions(*path: str) -> dict[str, Node]:
        return {
            key_: _parse(text, f"{name} [{'.'.join(path)}] {key_}")
            for key_, text in _section(data, *path).items()
        }

    member_definitions = parsed_definitions("member", "definitions")
    household_definitions = parsed_definitions("household", "definitions")
    expander.define("member", member_definitions)

    raw_items = _section(data, "household", "items")
    raw_gates = _section(data, "household", "gates")
    if not raw_items:
        raise RuleError(f"{name}：缺少户条目 [household.items.*]")
    tests: dict[str, Node] = {}
    for group, raws in (("items", raw_items), ("gates", raw_gates)):
        for item_key, spec in raws.items():
            tests[f"{group}.{item_key}"] = _parse(
                spec.get("pass"), f"{name} [household.{group}.{item_key}] pass"
            )
    # Items and the verdict are names too, two-valued (unknown counts as not passing), so that
    # village and county rules can say ``count(households, item_water)`` or ``not pass``.
    two_valued: dict[str, Node] = {}
    for qualified, test in tests.items():
        group, item_key = qualified.split(".", 1)
        prefix = "item_" if group == "items" else "gate_"
        two_valued[prefix + item_key] = Call(
            "if", (test, ruleexpr.Literal(True), ruleexpr.Literal(False))
        )
    names = list(two_valued)
    verdict: Node = Name(names[0])
    for name_ in names[1:]:
        verdict = ruleexpr.Binary("and", verdict, Name(name_))
    expander.define("household", {**household_definitions, **two_valued, "pass": verdict})

    def expand(node: Node, level: str, where: str) -> Node:
        try:
            return expander.expand(node, level)
        except ExpressionError as error:
            raise RuleError(f"{where}：{error}") from None
        except RecursionError:
            raise RuleError(f"{where}：定义嵌套过深") from None

    def household_items(group: str, raws: dict[str, Any]) -> dict[str, HouseholdItem]:
        items = {}
        for item_key, spec in raws.items():
            where = f"{name} [household.{group}.{item_key}]"
            items[item_key] = HouseholdItem(
                key=item_key,
                label=spec.get("label", item_key),
                test=expand(tests[f"{group}.{item_key}"], "household", where),
                reason=spec.get("reason", ""),
                text=spec.get("pass", ""),
                met=spec.get("met", ""),
            )
        return items

    checks = {}
    for check_key, spec in _section(data, "household", "checks").items():
        where = f"{name} [household.checks.{check_key}]"
        checks[check_key] = Check(
            key=check_key,
            label=spec.get("label", check_key),
            when=expand(_parse(spec.get("when"), f"{where} when"), "household", where),
            reason=spec.get("reason", ""),
            text=spec.get("when", ""),
        )

    household_values = {
        key_: expand(node, "household", f"{name} [household.definitions] {key_}")
        for key_, node in household_definitions.items()
    }
    member_values = {
        key_: expand(node, "member", f"{name} [member.definitions] {key_}")
        for key_, node in member_definitions.items()
    }

    def measured(section: str, level: str) -> dict[str, MeasuredItem]:
        expander.define(level, parsed_definitions(section, "definitions"))
        items = {}
        for item_key, spec in _section(data, section, "items").items():
            where = f"{name} [{section}.items.{item_key}]"
            compare = spec.get("compare")
            if compare not in COMPARATORS:
                raise RuleError(f"{where}：compare 应为 {' '.join(COMPARATORS)} 之一")
            items[item_key] = MeasuredItem(
                key=item_key,
                label=spec.get("label", item_key),
                value=expand(_parse(spec.get("value"), f"{where} value"), level, where),
                compare=compare,
                threshold=expand(_parse(spec.get("threshold"), f"{where} threshold"), level, where),
                unit=spec.get("unit", ""),
                text=str(spec.get("value", "")),
            )
        return items

    ruleset = RuleSet(
        key=key,
        province=str(data["province"]),
        year=int(data["year"]),
        name=str(data["name"]),
        source=str(data.get("source", "")),
        parameters=parameters,
        household_items=household_items("items", raw_items),
        gates=household_items("gates", raw_gates),
        checks=checks,
        household_values=household_values,
        member_values=member_values,
        village_items=measured("village", "village"),
        county_items=measured("county", "county"),
        rate_items=measured("rates", "county"),
        labels=_labels(data, name, parameters, household_definitions, member_definitions),
        path=path,
    )
    _check_parameters(ruleset)
    _check_templates(ruleset)
    return ruleset


def _labels(
    data: dict[str, Any],
    name: str,
    parameters: dict[str, ParameterSpec],
    household_definitions: dict[str, Node],
    member_definitions: dict[str, Node],
) -> dict[str, Label]:
    """Chinese names for every value a page may show; a definition without one is refused, so
    no internal name reaches a page."""
    labels = {key: Label(fact.label, fact.unit) for key, fact in HOUSEHOLD_FACTS.items()}
    labels |= {key: Label(fact.label, fact.unit) for key, fact in MEMBER_FACTS.items()}
    labels |= {f"${key}": Label(spec.label, spec.unit) for key, spec in parameters.items()}
    for level, definitions in (
        ("member", member_definitions),
        ("household", household_definitions),
    ):
        raw = _section(data, level, "labels")
        for key in definitions:
            spec = raw.get(key)
            if not isinstance(spec, dict) or not spec.get("label"):
                raise RuleError(f"{name} [{level}.labels]：定义 {key} 缺少中文名称 label")
            labels[key] = Label(str(spec["label"]), str(spec.get("unit", "")))
    return labels


def _check_templates(ruleset: RuleSet) -> None:
    """Every placeholder of an explanation names a known value (else the page would show it raw)."""
    templates: list[tuple[str, str]] = []
    for item in (*ruleset.household_items.values(), *ruleset.gates.values()):
        templates += [(item.key, item.reason), (item.key, item.met)]
    templates += [(check.key, check.reason) for check in ruleset.checks.values()]
    for key, template in templates:
        for placeholder in placeholders(template):
            if placeholder not in ruleset.labels:
                raise RuleError(
                    f"{ruleset.path.name} {key}：说明中的 {{{placeholder}}} 不是已知的名称"
                )


def _check_parameters(ruleset: RuleSet) -> None:
    nodes: list[tuple[str, Node]] = []
    for item in (*ruleset.household_items.values(), *ruleset.gates.values()):
        nodes.append((item.key, item.test))
    for check in ruleset.checks.values():
        nodes.append((check.key, check.when))
    for items in (ruleset.village_items, ruleset.county_items, ruleset.rate_items):
        for measured_item in items.values():
            nodes.extend(
                [
                    (measured_item.key, measured_item.value),
                    (measured_item.key, measured_item.threshold),
                ]
            )
    for key, node in nodes:
        for param in ruleexpr.params_in(node):
            if param not in ruleset.parameters:
                raise RuleError(f"{ruleset.path.name} {key}：未声明的参数 ${param}")


def version(key: str) -> str:
    """A rule set's version: the SHA-256 of its file and every file it ``extends``, so an
    export made under other rules (or other parameters' ranges) is recognised as such."""
    digest = hashlib.sha256()
    seen: set[str] = set()
    current: str | None = key
    while current and current not in seen:
        seen.add(current)
        path = RULES_DIR / f"{current}.toml"
        if not path.is_file():
            raise RuleError(f"找不到规则文件 {path.name}")
        text = path.read_bytes()
        digest.update(current.encode() + b"\0" + text + b"\0")
        try:
            current = tomllib.loads(text.decode("utf-8")).get("extends")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            raise RuleError(f"规则文件 {path.name} 格式错误") from None
    return digest.hexdigest()[:16]


def available() -> list[RuleSet]:
    """Every rule set shipped, newest year first."""
    sets = [load(path.stem) for path in sorted(RULES_DIR.glob("*.toml"))]
    return sorted(sets, key=lambda rs: (rs.province, -rs.year, rs.key))


def for_area(code: str, year: int) -> RuleSet:
    """The rule set for an area (any code under a province) and an assessment year.

    The latest year not after ``year`` for the area's province; a year before every file uses
    the earliest.
    """
    province = code[:2]
    candidates = [rs for rs in available() if rs.province == province]
    if not candidates:
        raise RuleError(f"没有适用于区划 {code} 所在省份（{province}）的退出标准规则文件")
    earlier = [rs for rs in candidates if rs.year <= year]
    if earlier:
        return max(earlier, key=lambda rs: rs.year)
    return min(candidates, key=lambda rs: rs.year)
