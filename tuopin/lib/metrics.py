"""The metric registry: the one way tuopin counts anything.

A milestone target, a dashboard tile and a bulletin row all read a metric — a key, a Chinese
name and a unit — evaluated for a scope (an org unit or a responsible unit) on a date. A metric
is *reported* (units enter it in weekly reports) or *computed* (a query over the registry and
the trackers). Apps register their metrics in ``AppConfig.ready``; nothing else counts.

The contract every app follows::

    metrics.register(metrics.Metric(key="projects.completed", name="已完工项目", unit="个",
        kind="computed", levels=("county", "town", "village", "unit"), source="projects",
        description="计划内项目中实际完工日期不晚于评估日的个数。", bulk=fn, stamp=stamp_fn))

``bulk(level, on, codes)`` evaluates the metric for every org-unit code of ``level`` (county,
town, village) or every responsible-unit id (as ``str``, level ``unit``) in one set-based query
and returns ``{code: Value}``; ``codes=None`` means every code of that level. ``stamp()`` returns
a change stamp of the source data (e.g. max(updated_at) + count): results are cached per
(metric, level, date, codes) and reused while the stamp is unchanged, so a board never waits on a
recomputation it already did. A metric without ``bulk`` keeps its older per-scope ``compute``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

MetricKind = Literal["reported", "computed"]
LEVELS = ("county", "town", "village", "unit")
AREA_LEVELS = ("county", "town", "village")
LEVEL_LABELS = {"county": "县", "town": "镇", "village": "村", "unit": "责任单位"}
CODE_LENGTH = {"county": 6, "town": 9, "village": 12}
UNITS = ("户", "人", "个", "%", "万元", "项", "件", "期", "次", "公里", "所")


@dataclass(frozen=True)
class Value:
    """A metric's value for a scope and date; ``value is None`` means 无数据 with a reason.

    A rate may carry its ``numerator`` and ``denominator`` so that values of smaller areas add
    up to the larger one (the county rate is the sum of numerators over the sum of denominators).
    """

    value: Decimal | None
    reason: str = ""
    as_of: dt.date | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None

    @property
    def known(self) -> bool:
        return self.value is not None


Bulk = Callable[[str, dt.date, Collection[str] | None], dict[str, Value]]


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    unit: str
    kind: MetricKind
    compute: Callable[[Any, dt.date], Value] | None = field(default=None, compare=False)
    description: str = ""
    higher_is_better: bool = True
    levels: tuple[str, ...] = ("county",)
    source: str = ""
    bulk: Bulk | None = field(default=None, compare=False)
    stamp: Callable[[], str] | None = field(default=None, compare=False)

    @property
    def app(self) -> str:
        """The source app: given, or the key's prefix (``registry.households`` → registry)."""
        return self.source or self.key.split(".", 1)[0]

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"

    def evaluable_at(self, level: str) -> bool:
        return level in self.levels


class UnknownMetric(KeyError):
    pass


class NotEvaluable(ValueError):
    """The metric cannot be evaluated at the level asked for."""


_registry: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    if metric.kind == "computed" and metric.compute is None and metric.bulk is None:
        raise ValueError(f"computed metric {metric.key} needs a compute or bulk function")
    unknown = set(metric.levels) - set(LEVELS)
    if unknown:
        raise ValueError(f"metric {metric.key}: unknown levels {sorted(unknown)}")
    _registry[metric.key] = metric
    return metric


def get(key: str) -> Metric:
    try:
        return _registry[key]
    except KeyError:
        raise UnknownMetric(key) from None


def all_metrics() -> list[Metric]:
    return sorted(_registry.values(), key=lambda metric: metric.key)


def computed_metrics() -> list[Metric]:
    return [metric for metric in all_metrics() if metric.kind == "computed"]


# ---------------------------------------------------------------- scopes


def level_of(scope: Any) -> str:
    """``county``/``town``/``village`` for an org unit, ``unit`` for a responsible unit."""
    code = getattr(scope, "code", None)
    if code is None:
        return "unit"
    for level, length in CODE_LENGTH.items():
        if len(code) == length:
            return level
    return "area"


def code_of(scope: Any) -> str:
    code = getattr(scope, "code", None)
    return code if code is not None else str(scope.pk)


# ---------------------------------------------------------------- cache

_CACHE_SIZE = 256
_cache: OrderedDict[tuple, tuple[str, dict[str, Value]]] = OrderedDict()
_cache_lock = threading.Lock()
_stats = {"hits": 0, "misses": 0}


def clear_cache() -> None:
    """Forget cached values and held stamps (tests call this between cases)."""
    with _cache_lock:
        _cache.clear()
    for held in _held:
        held[0] = None


def cache_stats() -> dict[str, int]:
    return dict(_stats)


STAMP_SECONDS = 10.0
_held: list[list[Any]] = []


def held_stamp(function: Callable[[], str], seconds: float = STAMP_SECONDS) -> Callable[[], str]:
    """A stamp function whose answer is held for ``seconds``: a board asking ten metrics of the
    same source pays for one stamp query, and a change shows within those seconds."""
    held: list[Any] = [None, -1.0]
    lock = threading.Lock()
    _held.append(held)

    def stamp() -> str:
        now = time.monotonic()
        with lock:
            if held[0] is not None and now - held[1] < seconds:
                return held[0]
        value = str(function())
        with lock:
            held[0], held[1] = value, now
        return value

    stamp.__wrapped__ = function  # type: ignore[attr-defined]
    return stamp


_tables: dict[tuple[str, str], Callable[[], str]] = {}
_tables_lock = threading.Lock()


def table_stamp(*tables: str | tuple[str, str]) -> Callable[[], str]:
    """A change stamp over source tables — ``"app_label.Model"`` (its ``updated_at``, else its
    largest id) or ``("app_label.Model", field)`` — each table's row count and latest value of
    that field. One table's part is held (``held_stamp``) and shared by every metric that reads
    the table, so a page evaluating a hundred metrics asks each table once."""
    parts = []
    with _tables_lock:
        for table in tables:
            label, field_name = (table, "") if isinstance(table, str) else table
            key = (label, field_name)
            if key not in _tables:
                _tables[key] = held_stamp(_table_part(label, field_name))
            parts.append(_tables[key])

    def stamp() -> str:
        return "|".join(part() for part in parts)

    return stamp


def _table_part(label: str, field_name: str) -> Callable[[], str]:
    def part() -> str:
        from django.apps import apps
        from django.db.models import Count, Max

        model = apps.get_model(label)
        name = field_name or (
            "updated_at" if any(f.name == "updated_at" for f in model._meta.fields) else "pk"
        )
        row = model.objects.aggregate(n=Count("pk"), at=Max(name))
        at = row["at"]
        return f"{row['n']}:{at.isoformat() if hasattr(at, 'isoformat') else at}"

    return part


def _stamp(metric: Metric) -> str | None:
    if metric.stamp is None:
        return None
    try:
        return str(metric.stamp())
    except Exception:  # a stamp that fails only disables the cache
        return None


def not_evaluable_reason(metric: Metric, level: str) -> str:
    allowed = "、".join(LEVEL_LABELS[name] for name in metric.levels)
    return f"只对{allowed}计算，不能按{LEVEL_LABELS.get(level, '该范围')}计算"


def evaluate_many(
    key: str, level: str, on: dt.date, codes: Collection[str] | None = None
) -> dict[str, Value]:
    """``{code: Value}`` for every code of ``level`` (or ``codes``) on ``on``, cached by stamp."""
    metric = get(key)
    if not metric.evaluable_at(level):
        raise NotEvaluable(f"指标“{metric.name}”{not_evaluable_reason(metric, level)}")
    wanted = None if codes is None else tuple(sorted(set(codes)))
    stamp = _stamp(metric)
    if stamp is not None:
        with _cache_lock:
            for cache_key in ((key, level, on, wanted), (key, level, on, None)):
                cached = _cache.get(cache_key)
                if cached is not None and cached[0] == stamp:
                    _cache.move_to_end(cache_key)
                    _stats["hits"] += 1
                    values = cached[1]
                    if cache_key[3] is None and wanted is not None:
                        return {code: _missing(values, code, on) for code in wanted}
                    return dict(values)
    _stats["misses"] += 1
    if metric.bulk is not None:
        values = metric.bulk(level, on, wanted)
    else:
        values = _per_scope(metric, level, on, wanted)
    if wanted is not None:
        values = {code: _missing(values, code, on) for code in wanted}
    if stamp is not None:
        with _cache_lock:
            _cache[(key, level, on, wanted)] = (stamp, values)
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return dict(values)


def _missing(values: dict[str, Value], code: str, on: dt.date) -> Value:
    return values.get(code) or Value(None, reason="该范围没有可计算的数据", as_of=on)


def _per_scope(
    metric: Metric, level: str, on: dt.date, codes: tuple[str, ...] | None
) -> dict[str, Value]:
    """Older metrics (``compute`` per scope): evaluated scope by scope."""
    from tuopin.org.models import OrgUnit, ResponsibleUnit

    if metric.compute is None:
        reason = "该指标由责任单位周报填报，尚无计算方法"
        return {code: Value(None, reason=reason) for code in codes or ()}
    if level == "unit":
        scopes = ResponsibleUnit.objects.filter(is_active=True)
        if codes is not None:
            scopes = scopes.filter(pk__in=[int(c) for c in codes if c.isdigit()])
        return {str(unit.pk): metric.compute(unit, on) for unit in scopes}
    scopes = OrgUnit.objects.filter(level=level, is_active=True)
    if codes is not None:
        scopes = scopes.filter(code__in=codes)
    return {unit.code: metric.compute(unit, on) for unit in scopes}


def evaluate(key: str, scope: Any, on: dt.date) -> Value:
    metric = get(key)
    if metric.bulk is not None:
        level = level_of(scope)
        if not metric.evaluable_at(level):
            return Value(None, reason="该指标" + not_evaluable_reason(metric, level), as_of=on)
        code = code_of(scope)
        return evaluate_many(key, level, on, [code])[code]
    if metric.compute is None:
        return Value(None, reason="该指标由责任单位周报填报，尚无计算方法")
    return metric.compute(scope, on)


# ---------------------------------------------------------------- helpers for bulk functions

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def rate(numerator: Any, denominator: Any, on: dt.date, *, empty: str) -> Value:
    """A percentage (0–100, two decimals) with its parts; no denominator → 无数据 and why."""
    numerator = Decimal(numerator or 0)
    denominator = Decimal(denominator or 0)
    if not denominator:
        return Value(None, reason=empty, as_of=on, numerator=numerator, denominator=denominator)
    return Value(
        (numerator * HUNDRED / denominator).quantize(CENT),
        as_of=on,
        numerator=numerator,
        denominator=denominator,
    )


def number_text(number: Decimal) -> str:
    """12 → "12", 99.975 → "99.98" (two decimals at most)."""
    if number == number.to_integral():
        return str(int(number))
    return f"{number.quantize(CENT):f}"


def display(value: Value, unit: str) -> str:
    """ "99.98%", "118个", or "无数据（理由）" — missing data is never shown as 0."""
    if value.value is None:
        return f"无数据（{value.reason}）" if value.reason else "无数据"
    return f"{number_text(value.value)}{unit}"


def count(value: Any, on: dt.date) -> Value:
    return Value(Decimal(value or 0), as_of=on)


def combine(values: Collection[Value], *, unit: str, on: dt.date) -> Value:
    """The value of a larger area from its parts: counts add, rates add their parts."""
    known = [value for value in values if value.numerator is not None or value.known]
    if not known:
        return Value(None, reason="各下级范围均无数据", as_of=on)
    if unit == "%":
        return rate(
            sum((v.numerator or 0 for v in known), Decimal(0)),
            sum((v.denominator or 0 for v in known), Decimal(0)),
            on,
            empty="各下级范围均无数据",
        )
    return Value(sum((v.value for v in known if v.known), Decimal(0)), as_of=on)


def all_codes(level: str) -> list[str]:
    """Every code of ``level``: org-unit codes, or responsible-unit ids (as text) for ``unit``."""
    from tuopin.org.models import OrgUnit, ResponsibleUnit

    if level == "unit":
        return [str(pk) for pk in ResponsibleUnit.objects.values_list("pk", flat=True)]
    return list(OrgUnit.objects.filter(level=level).values_list("code", flat=True))


def fill(
    found: dict[str, Value], level: str, codes: Collection[str] | None, reason: str
) -> dict[str, Value]:
    """A value for every asked code (every code of ``level`` when ``codes`` is None): what a
    grouped query found, else 无数据 with ``reason``."""
    if codes is None:
        codes = set(found) | set(all_codes(level))
    return {code: found.get(code, Value(None, reason=reason)) for code in codes}


def grouped(
    queryset: Any,
    level: str,
    codes: Collection[str] | None,
    code_path: str,
    unit_path: str | None = None,
) -> Any:
    """``queryset`` annotated with the group key ``g`` — the area code of ``level`` (the first
    digits of the code at ``code_path``; rows whose code is shorter are left out) or, at level
    ``unit``, the responsible-unit id at ``unit_path`` as text — and limited to ``codes`` when
    given. Group with ``.values("g").annotate(...)``: one query for every area of the level."""
    from django.db.models import CharField, F
    from django.db.models.functions import Cast, Length, Substr

    if level == "unit":
        if unit_path is None:
            raise NotEvaluable("不能按责任单位计算")
        queryset = queryset.annotate(g=Cast(F(unit_path), CharField()))
    else:
        length = CODE_LENGTH[level]
        queryset = queryset.annotate(g=Substr(F(code_path), 1, length), _n=Length(code_path))
        queryset = queryset.filter(_n__gte=length)
    if codes is not None:
        queryset = queryset.filter(g__in=list(codes))
    return queryset


def hits(rows, level: str, codes, on: dt.date, *, share: bool, empty: str) -> dict[str, Value]:
    """Grouped rows with ``g``, ``hit`` and ``total`` as values: the count of hits, or with
    ``share`` the hits' percentage of the total (numerator and denominator kept); 无数据 with
    ``empty`` for the codes without a row."""
    found = {
        row["g"]: (
            rate(row["hit"], row["total"], on, empty=empty) if share else Value(Decimal(row["hit"]))
        )
        for row in rows
    }
    return fill(found, level, codes, empty)


def unit_areas(codes: Collection[str] | None) -> dict[str, str]:
    """Responsible-unit id (as str) → the org-unit code it answers for (a town's or the county's)."""
    from tuopin.org.models import ResponsibleUnit

    units = ResponsibleUnit.objects.filter(is_active=True)
    if codes is not None:
        units = units.filter(pk__in=[int(code) for code in codes if str(code).isdigit()])
    return {str(pk): code for pk, code in units.values_list("pk", "org_unit__code")}


def by_area(area_bulk: Bulk, *, levels: tuple[str, ...] = AREA_LEVELS) -> Bulk:
    """A bulk function over org units extended to responsible units (a unit answers for its
    org unit: a town's office for its town, a county department for the county)."""

    def bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, Value]:
        if level != "unit":
            return area_bulk(level, on, codes)
        areas = unit_areas(codes)
        result: dict[str, Value] = {}
        by_level: dict[str, list[str]] = {}
        for code in set(areas.values()):
            for name, length in CODE_LENGTH.items():
                if len(code) == length and name in levels:
                    by_level.setdefault(name, []).append(code)
        values: dict[str, Value] = {}
        for name, area_codes in by_level.items():
            values.update(area_bulk(name, on, area_codes))
        for unit_id, code in areas.items():
            result[unit_id] = values.get(code) or Value(
                None, reason="该单位所属区划无法计算此指标", as_of=on
            )
        return result

    return bulk


def area_rows(
    queryset: Any,
    code_path: str,
    level: str,
    codes: Collection[str] | None,
    aggregates: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    """One grouped query: ``aggregates`` per area code of ``level`` (the first digits of the
    row's code at ``code_path``), restricted to ``codes`` when given."""
    from django.db.models import Q
    from django.db.models.functions import Substr

    from tuopin.org.codes import subtree_q

    length = CODE_LENGTH[level]
    if codes is not None:
        if not codes:
            return {}
        condition = Q()
        for code in codes:
            condition |= subtree_q(code, code_path)
        queryset = queryset.filter(condition)
    rows = (
        queryset.annotate(_area=Substr(code_path, 1, length))
        .values("_area")
        .annotate(**aggregates)
        .order_by()
    )
    return {row.pop("_area"): row for row in rows}


def level_codes(level: str, codes: Collection[str] | None) -> list[str]:
    """Every org-unit code of ``level`` (or just ``codes``), so areas without data show 无数据."""
    from tuopin.org.models import OrgUnit

    if codes is not None:
        return list(codes)
    return list(OrgUnit.objects.filter(level=level).order_by("code").values_list("code", flat=True))
