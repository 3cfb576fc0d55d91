"""Evaluating a rule set live against the registry: households, villages, counties, 三率.

* Households: one grouped query over ``Household ⟕ Person`` (every item, gate and check is an
  annotation; :mod:`tuopin.assess.compiler`), streamed.
* Villages and counties: the same household query becomes a derived table aggregated per
  village in the database (``SELECT village_id, SUM(...) FROM (<household query>) GROUP BY
  village_id``), so only one row per village reaches Python; the village and county items are
  then computed from those sums (counts and sums add up from villages to the county) and the
  village facts, by the same interpreter that explains one household.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, connections
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.sql import Query

from tuopin.assess import rulesets
from tuopin.assess.compiler import Compiler, DerivedCompiler, bind, kind_of
from tuopin.assess.rulesets import MeasuredItem, RuleSet, fill, placeholders
from tuopin.assess.vocabulary import HOUSEHOLD_FACTS
from tuopin.lib import clock
from tuopin.lib.ruleexpr import (
    AGGREGATES,
    Binary,
    Call,
    Compare,
    InList,
    Literal,
    Name,
    Node,
    Not,
    Scope,
    evaluate,
    map_children,
)
from tuopin.org.codes import subtree_q
from tuopin.org.models import Level, OrgUnit
from tuopin.registry.models import Household, Person, VillageFacts

# ---------------------------------------------------------------- context


@dataclass(frozen=True)
class Context:
    """A rule set with its parameters resolved for an area and a reference date."""

    ruleset: RuleSet
    area_code: str
    params: dict[str, Any]

    @property
    def as_of(self) -> dt.date:
        return self.params["as_of"]


def context_for(
    area_code: str,
    *,
    as_of: dt.date | None = None,
    overrides: dict[str, Any] | None = None,
    ruleset_key: str | None = None,
    stored: list[tuple[str, str, str]] | None = None,
) -> Context:
    """Resolve parameters: file default < HQ setting (most specific area) < ``overrides``.

    HQ's settings are read from the database, or given as ``stored`` (``(scope_code, name,
    value)`` rows, as a Parquet export's manifest carries them).
    """
    as_of = as_of or clock.today()
    overrides = dict(overrides or {})
    if "as_of" in overrides:
        as_of = rulesets.ParameterSpec("as_of", "评估基准日", "date", None).parse(
            overrides.pop("as_of")
        )
    ruleset = (
        rulesets.load(ruleset_key) if ruleset_key else rulesets.for_area(area_code, as_of.year)
    )
    params = ruleset.defaults()
    if stored is None:
        from tuopin.assess.models import RuleParameter

        stored = list(
            RuleParameter.objects.filter(ruleset=ruleset.key)
            .order_by("scope_code")
            .values_list("scope_code", "name", "value")
        )
    for scope_code, name, value in sorted(stored, key=lambda row: row[0]):
        if area_code.startswith(scope_code) and name in ruleset.parameters:
            try:
                params[name] = ruleset.parameters[name].parse(value)
            except ValueError:
                # Stored before the rule file bounded it (e.g. 1e999999): it counts as unset,
                # so the items using it show 无数据 instead of every page failing.
                params[name] = None
    for name, raw in overrides.items():
        if name not in ruleset.parameters:
            known = "、".join(sorted(ruleset.parameters))
            raise ValueError(f"规则集 {ruleset.key} 没有参数“{name}”（可用：{known}）")
        params[name] = ruleset.parameters[name].parse(raw)
    params["as_of"] = as_of
    if params.get("assessment_year") is None:
        params["assessment_year"] = Decimal(as_of.year)
    return Context(ruleset=ruleset, area_code=area_code, params=params)


# ---------------------------------------------------------------- formatting


def plain(value: Any) -> Any:
    """Database and interpreter values as comparable Python values (numbers → Decimal)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float | int):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return value


_CHOICE_LABELS: dict[str, dict[str, str]] = {}


def _choice_labels(name: str) -> dict[str, str]:
    if name not in _CHOICE_LABELS:
        fact = HOUSEHOLD_FACTS.get(name)
        labels: dict[str, str] = {}
        if fact is not None:
            model_field = Household._meta.get_field(fact.path)
            labels = {str(k): str(v) for k, v in (model_field.choices or [])}
        _CHOICE_LABELS[name] = labels
    return _CHOICE_LABELS[name]


def show(value: Any, name: str = "", *, grouped: bool = False) -> str:
    """A value as a person reads it: 2 decimals at most, 是/否, code labels, 无数据; ``grouped``
    writes thousands separators (money: 3,566.67)."""
    value = plain(value)
    if value is None:
        return "无数据"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        # Binary floating point from SQLite: 4029.41 / 2 arrives as 2014.7049999…; settle the
        # noise at 6 decimals first so both paths round a half cent the same way.
        settled = value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        rounded = settled.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if rounded == rounded.to_integral_value():
            rounded = rounded.to_integral_value()
        return f"{rounded:,f}" if grouped else f"{rounded:f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if name and isinstance(value, str):
        labels = _choice_labels(name)
        if value in labels:
            return labels[value]
        if value == "":
            return "空"
    return str(value)


def show_named(ruleset: RuleSet, name: str, value: Any) -> str:
    """A placeholder's value in an explanation (``$name`` is a parameter); money grouped."""
    grouped = ruleset.label_of(name).unit == "元"
    return show(value, "" if name.startswith("$") else name, grouped=grouped)


# ---------------------------------------------------------------- household verdicts


@dataclass
class HouseholdVerdict:
    household_no: str
    village_id: int
    registered: bool
    exit_status: str
    member_count: int
    passed: bool
    items: dict[str, bool]
    gates: dict[str, bool]
    reasons: list[str]
    checks: dict[str, str] = field(default_factory=dict)  # failing check key → reason

    @property
    def exited(self) -> bool:
        return self.exit_status in ("exited", "exited_no_policy")

    def as_json(self) -> dict[str, Any]:
        return {
            "household_no": self.household_no,
            "registered": self.registered,
            "pass": self.passed,
            "items": dict(self.items),
            "reasons": list(self.reasons),
        }


def reason_names(ruleset: RuleSet) -> set[str]:
    """Household values named in any reason template (without the $params)."""
    names = set()
    for item in (
        *ruleset.household_items.values(),
        *ruleset.gates.values(),
        *ruleset.checks.values(),
    ):
        for placeholder in placeholders(item.reason):
            if not placeholder.startswith("$"):
                names.add(placeholder)
    return names


def households_in(area_code: str) -> QuerySet:
    return Household.objects.filter(is_active=True).filter(subtree_q(area_code, "village__code"))


def plain_columns(names: list[str]) -> dict[str, Any]:
    """Household columns selected under a name that cannot clash with the model's fields."""
    return {f"fact__{name}": F(name) for name in names}


def persons_in(area_code: str) -> QuerySet:
    # Through the area's households (IN subquery): a village or town reads only its members.
    return Person.objects.filter(household__in=households_in(area_code).values("pk"))


NO_LIMIT = 10**15
PARALLEL_QUERIES = max(1, min(4, os.cpu_count() or 1))


def _flag(condition: Any) -> Case:
    """A condition as 1 (true) or 0 (false or unknown)."""
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


class HouseholdQuery:
    """The compiled household query for a context."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.ruleset = context.ruleset
        self.compiler = Compiler(connection.vendor)
        self.boolean_names = {
            name: (
                HOUSEHOLD_FACTS[name].kind == "bool"
                if name in HOUSEHOLD_FACTS
                else kind_of(self.ruleset.household_values[name], "household") == "bool"
            )
            for name in reason_names(self.ruleset)
            if name in HOUSEHOLD_FACTS or name in self.ruleset.household_values
        }

    def bound(self, node: Node) -> Node:
        return bind(node, self.context.params)

    def truth_column(self, node: Node):
        return self.compiler.truth(self.bound(node))

    def columns(self, *, reasons: bool = True) -> dict[str, Any]:
        columns: dict[str, Any] = {}
        for key, item in self.ruleset.household_items.items():
            columns[f"item__{key}"] = self.truth_column(item.test)
        for key, gate in self.ruleset.gates.items():
            columns[f"gate__{key}"] = self.truth_column(gate.test)
        for key, check in self.ruleset.checks.items():
            columns[f"check__{key}"] = self.truth_column(check.when)
        if reasons:
            for name in sorted(reason_names(self.ruleset)):
                if name in self.ruleset.household_values:
                    node = self.bound(self.ruleset.household_values[name])
                    columns[f"value__{name}"] = self.compiler.value(node)
        return columns

    def fact_names(self) -> list[str]:
        """The household columns a verdict reads: keys, status and the facts reasons name."""
        facts = sorted(
            name
            for name in reason_names(self.ruleset)
            if name in HOUSEHOLD_FACTS
            and name not in ("is_registered", "exit_status", "member_count")
        )
        return [
            "household_no",
            "village_id",
            "is_registered",
            "exit_status",
            "member_count",
            *facts,
        ]

    def queryset(self, base: QuerySet | None = None, *, reasons: bool = True) -> QuerySet:
        base = households_in(self.context.area_code) if base is None else base
        names = self.fact_names()
        columns = self.columns(reasons=reasons)
        base = self.compiler.members.attach(base, persons_in(self.context.area_code))
        return (
            base.values("pk").annotate(**plain_columns(names), **columns).order_by("household_no")
        )

    def verdict(self, row: dict[str, Any]) -> HouseholdVerdict:
        ruleset, params = self.ruleset, self.context.params
        items = {key: bool(row[f"item__{key}"]) for key in ruleset.household_items}
        gates = {key: bool(row[f"gate__{key}"]) for key in ruleset.gates}

        def lookup(name: str) -> str:
            if name.startswith("$"):
                return show_named(ruleset, name, params.get(name[1:]))
            value = row.get(f"value__{name}", row.get(f"fact__{name}"))
            if value is not None and self.boolean_names.get(name):
                value = bool(value)  # SQLite returns 0/1
            return show_named(ruleset, name, value)

        reasons = [
            f"{item.label}：{fill(item.reason, lookup)}"
            for key, item in ruleset.household_items.items()
            if not items[key]
        ]
        reasons += [
            f"{gate.label}：{fill(gate.reason, lookup)}"
            for key, gate in ruleset.gates.items()
            if not gates[key]
        ]
        checks = {
            key: fill(check.reason, lookup)
            for key, check in ruleset.checks.items()
            if row.get(f"check__{key}")
        }
        return HouseholdVerdict(
            household_no=row["fact__household_no"],
            village_id=row["fact__village_id"],
            registered=bool(row["fact__is_registered"]),
            exit_status=row["fact__exit_status"],
            member_count=row["fact__member_count"],
            passed=all(items.values()) and all(gates.values()),
            items=items,
            gates=gates,
            reasons=reasons,
            checks=checks,
        )


def household_verdicts(
    context: Context, base: QuerySet | None = None, *, chunk_size: int = 2000
) -> Iterator[HouseholdVerdict]:
    """Every active household in the area (or in ``base``), registered or not, in 户编号 order."""
    query = HouseholdQuery(context)
    # Straight from the cursor: Django's per-value converters would cost more than the query.
    sql, params = query.queryset(base).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        while rows := cursor.fetchmany(chunk_size):
            for values in rows:
                yield query.verdict(dict(zip(names, values, strict=True)))


# ---------------------------------------------------------------- collection aggregates


@dataclass(frozen=True)
class _Aggregate:
    column: str
    function: str  # count | sum | all | any
    body: Node | None


class _AggregatePlan:
    """The household-collection aggregates that village, county and rate items use."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, Node | None], _Aggregate] = {}

    def rewrite(self, node: Node) -> Node:
        """Replace each ``f(households, …)`` by a name bound to its per-village sum."""
        if isinstance(node, Call) and node.function in AGGREGATES:
            collection = node.args[0]
            assert isinstance(collection, Name)
            if collection.name != "households":
                return node  # villages: evaluated in Python over village rows
            body = node.args[1] if len(node.args) > 1 else None
            key = (node.function, body)
            aggregate = self.by_key.get(key)
            if aggregate is None:
                aggregate = _Aggregate(f"agg{len(self.by_key)}", node.function, body)
                self.by_key[key] = aggregate
            name = Name(aggregate.column)
            if node.function == "all":
                return Compare("==", name, Literal(Decimal(0)))
            if node.function == "any":
                return Compare(">", name, Literal(Decimal(0)))
            return name
        return map_children(node, self.rewrite)


@dataclass
class ItemResult:
    key: str
    label: str
    value: Any
    threshold: Any
    compare: str
    unit: str
    passed: bool | None  # None: unknown (data lacking)

    @property
    def status(self) -> str:
        return {True: "pass", False: "fail", None: "unknown"}[self.passed]

    def as_json(self, *, with_threshold: bool) -> dict[str, Any]:
        out = {"value": _json_value(self.value), "pass": self.passed}
        if with_threshold:
            out = {
                "value": out["value"],
                "threshold": _json_value(self.threshold),
                "pass": self.passed,
            }
        return out


def _json_value(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, Decimal):
        rounded = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        return float(rounded)
    return value


def _judge(item: MeasuredItem, scope: Scope) -> ItemResult:
    value = plain(evaluate(item.value, scope))
    threshold = plain(evaluate(item.threshold, scope))
    passed = evaluate(Compare(item.compare, Literal(value), Literal(threshold)), scope)
    return ItemResult(item.key, item.label, value, threshold, item.compare, item.unit, passed)


@dataclass
class AreaVerdict:
    """A village's or a county's verdict: each item with value, threshold and pass."""

    code: str
    name: str
    is_poor_village: bool
    items: dict[str, ItemResult]
    rates: dict[str, ItemResult]
    totals: dict[str, Decimal]
    risks: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool | None:
        results = [item.passed for item in self.items.values()]
        if any(result is False for result in results):
            return False
        if any(result is None for result in results):
            return None
        return True


@dataclass
class Evaluation:
    context: Context
    villages: list[AreaVerdict]
    counties: list[AreaVerdict]
    area: AreaVerdict | None  # the evaluated area as a whole (rates only when not a county)


EXITED = ("exited", "exited_no_policy")


def risk_counts(ruleset: RuleSet) -> dict[str, Node]:
    """Household counts behind the risk lists, as rule expressions over ``households``."""
    verdict: Node | None = None
    for item in (*ruleset.household_items.values(), *ruleset.gates.values()):
        two_valued = Call("if", (item.test, Literal(True), Literal(False)))
        verdict = two_valued if verdict is None else Binary("and", verdict, two_valued)
    assert verdict is not None
    exited = InList(Name("exit_status"), tuple(Literal(status) for status in EXITED))
    registered = Name("is_registered")
    contradiction: Node = Literal(False)
    for check in ruleset.checks.values():
        contradiction = Binary(
            "or", contradiction, Call("if", (check.when, Literal(True), Literal(False)))
        )

    def count(condition: Node) -> Node:
        return Call("count", (Name("households"), condition))

    return {
        "wrong_exit": count(Binary("and", exited, Not(verdict))),
        "missed": count(Binary("and", Not(registered), Not(verdict))),
        "failing_registered": count(Binary("and", registered, Not(verdict))),
        "contradictions": count(contradiction),
    }


class AreaEvaluator:
    """Village and county verdicts for an area in one grouped query plus the village facts."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.ruleset = context.ruleset
        self.plan = _AggregatePlan()
        rs = self.ruleset
        self.village_items = {k: self._rewrite(i) for k, i in rs.village_items.items()}
        self.county_items = {k: self._rewrite(i) for k, i in rs.county_items.items()}
        self.rate_items = {k: self._rewrite(i) for k, i in rs.rate_items.items()}
        self.risk_counts = {key: self.plan.rewrite(node) for key, node in risk_counts(rs).items()}

    def _rewrite(self, item: MeasuredItem) -> MeasuredItem:
        return MeasuredItem(
            item.key,
            item.label,
            self.plan.rewrite(item.value),
            item.compare,
            self.plan.rewrite(item.threshold),
            item.unit,
            item.text,
        )

    # -------------------------------------------------------- SQL

    def sums_by_village(self) -> dict[int, dict[str, Decimal]]:
        """Per-village sums; above county level, one query per county on parallel connections.

        A database query runs on one core; a province's counties are independent, so with
        committed data (not inside a transaction, where other connections would not see it)
        they are summed by ``PARALLEL_QUERIES`` threads, each with its own connection.
        """
        area = self.context.area_code
        counties: list[str] = []
        if len(area) < 6 and not connection.in_atomic_block:
            counties = list(
                OrgUnit.objects.filter(level=Level.COUNTY)
                .filter(subtree_q(area))
                .order_by("code")
                .values_list("code", flat=True)
            )
        if len(counties) < 2 or PARALLEL_QUERIES < 2:
            return self.village_sums(area)

        def run(code: str) -> dict[int, dict[str, Decimal]]:
            try:
                return self.village_sums(code)
            finally:
                connections.close_all()

        result: dict[int, dict[str, Decimal]] = {}
        with ThreadPoolExecutor(max_workers=PARALLEL_QUERIES) as pool:
            for part in pool.map(run, counties):
                result.update(part)
        return result

    def village_sums(self, area_code: str) -> dict[int, dict[str, Decimal]]:
        """One query: household verdicts as a derived table, summed per village."""
        query = HouseholdQuery(self.context)
        inner_compiler = query.compiler
        alias = "household_verdicts"
        ruleset = self.ruleset
        # Sub-expressions the household query computes once, as 0/1 columns.
        known: dict[Node, str] = {}
        inner_columns: dict[str, Any] = {}
        two_valued = []
        for group, items in (("item", ruleset.household_items), ("gate", ruleset.gates)):
            for key, item in items.items():
                node = query.bound(Call("if", (item.test, Literal(True), Literal(False))))
                column = f"{group}__{key}"
                known[node] = column
                two_valued.append(node)
                inner_columns[column] = _flag(inner_compiler.condition(node))
        verdict: Node = two_valued[0]
        for node in two_valued[1:]:
            verdict = Binary("and", verdict, node)
        known[verdict] = "pass"
        inner_columns["pass"] = _flag(inner_compiler.condition(verdict))

        outer = DerivedCompiler(connection.vendor, alias, inner_compiler.members, known)
        sums: dict[str, Any] = {}
        for aggregate in self.plan.by_key.values():
            if aggregate.body is None:
                continue
            body = query.bound(aggregate.body)
            if aggregate.function == "sum":
                sums[aggregate.column] = outer.value(body)
            else:
                hit, miss = (0, 1) if aggregate.function == "all" else (1, 0)
                sums[aggregate.column] = Case(
                    When(outer.condition(body), then=Value(hit)),
                    default=Value(miss),
                    output_field=IntegerField(),
                )
        for name in sorted(outer.facts):
            inner_columns[f"fact__{name}"] = F(name)
        for name in sorted(outer.member_columns):
            inner_columns[f"mt__{name}"] = inner_compiler.members.reference_by_name(name)
        households = inner_compiler.members.attach(households_in(area_code), persons_in(area_code))
        inner = (
            households.values("pk")
            .annotate(**plain_columns(["village_id"]), **inner_columns)
            .order_by()
        )
        # A LIMIT keeps SQLite and PostgreSQL from flattening the derived table into the outer
        # query, which would copy each verdict expression into every sum that mentions it.
        inner = inner[:NO_LIMIT]
        sql, params = inner.query.sql_with_params()
        quote = connection.ops.quote_name
        selected = [f"COUNT(*) AS {quote('n')}"]
        outer_params: list[Any] = []
        scratch = Query(Household)
        sql_compiler = scratch.get_compiler(connection=connection)
        for column, expression in sums.items():
            resolved = expression.resolve_expression(scratch)
            expression_sql, expression_params = sql_compiler.compile(resolved)
            selected.append(f"SUM({expression_sql}) AS {quote(column)}")
            outer_params.extend(expression_params)
        # Only quoted identifiers and Django-compiled expressions (with bound parameters).
        statement = (
            f"SELECT {quote('fact__village_id')}, {', '.join(selected)} "  # noqa: S608
            f"FROM ({sql}) {quote(alias)} GROUP BY {quote('fact__village_id')}"
        )
        result: dict[int, dict[str, Decimal]] = {}
        with connection.cursor() as cursor:
            cursor.execute(statement, [*outer_params, *params])
            names = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                values = dict(zip(names, row, strict=True))
                village_id = values.pop("fact__village_id")
                result[village_id] = {
                    key: plain(value) or Decimal(0) for key, value in values.items()
                }
        return result

    def _count_columns(self) -> dict[str, str]:
        """Columns that are plain counts (``count(households)``) map to the row count."""
        return {
            aggregate.column: "n"
            for aggregate in self.plan.by_key.values()
            if aggregate.body is None
        }

    # -------------------------------------------------------- evaluation

    def run(self) -> Evaluation:
        area = self.context.area_code
        villages = list(
            OrgUnit.objects.filter(level=Level.VILLAGE)
            .filter(subtree_q(area))
            .order_by("code")
            .values("id", "code", "name", "is_poor_village")
        )
        facts = {
            row["village_id"]: row
            for row in VillageFacts.objects.filter(village__in=[v["id"] for v in villages]).values()
        }
        from tuopin.assess.models import VillageBaseline

        last_year = int(self.context.params["assessment_year"]) - 1
        baselines = dict(
            VillageBaseline.objects.filter(
                village__in=[v["id"] for v in villages], year=last_year
            ).values_list("village_id", "income_share")
        )
        sums = self.sums_by_village()
        names = dict(
            OrgUnit.objects.filter(
                Q(level=Level.COUNTY, code__startswith=area[:6]) | Q(code=area)
            ).values_list("code", "name")
        )
        return self.judge(villages, facts, baselines, sums, names)

    def judge(
        self,
        villages: list[dict[str, Any]],
        facts: dict[Any, dict[str, Any]],
        baselines: dict[Any, Any],
        sums: dict[Any, dict[str, Decimal]],
        names: dict[str, str],
    ) -> Evaluation:
        """Village, county and area verdicts from the per-village sums, whichever engine
        computed them (the database here, Spark in :mod:`tuopin.assess.spark`): ``villages``
        are rows with ``id``, ``code``, ``name``, ``is_poor_village``; ``facts`` and
        ``baselines`` are keyed by a village's ``id``; ``names`` names counties and the area."""
        area = self.context.area_code
        count_columns = self._count_columns()
        zero = {aggregate.column: Decimal(0) for aggregate in self.plan.by_key.values()}
        zero["n"] = Decimal(0)

        village_verdicts: list[AreaVerdict] = []
        county_totals: dict[str, dict[str, Decimal]] = {}
        county_rows: dict[str, list[Scope]] = {}
        for village in villages:
            totals = dict(zero) | sums.get(village["id"], {})
            for column, source in count_columns.items():
                totals[column] = totals[source]
            values = self._village_values(village, facts.get(village["id"]), baselines)
            scope = Scope({**values, **totals}, self.context.params)
            items = {key: _judge(item, scope) for key, item in self.village_items.items()}
            rates = {key: _judge(item, scope) for key, item in self.rate_items.items()}
            verdict = AreaVerdict(
                village["code"], village["name"], village["is_poor_village"], items, rates, totals
            )
            verdict.risks = self._risks(scope)
            village_verdicts.append(verdict)
            county_code = village["code"][:6]
            bucket = county_totals.setdefault(county_code, dict(zero))
            for key, value in totals.items():
                bucket[key] += value
            row_values = dict(values)
            row_values.update({f"item_{k}": r.passed for k, r in items.items()})
            row_values["pass"] = verdict.passed
            county_rows.setdefault(county_code, []).append(Scope(row_values, self.context.params))

        counties = []
        for code, totals in sorted(county_totals.items()):
            scope = Scope(totals, self.context.params, {"villages": county_rows[code]})
            counties.append(
                AreaVerdict(
                    code,
                    names.get(code, code),
                    False,
                    {key: _judge(item, scope) for key, item in self.county_items.items()},
                    {key: _judge(item, scope) for key, item in self.rate_items.items()},
                    totals,
                    self._risks(scope),
                )
            )
        area_verdict = None
        if len(area) == 6:
            area_verdict = next((c for c in counties if c.code == area), None)
        if area_verdict is None:
            totals = dict(zero)
            for bucket in county_totals.values():
                for key, value in bucket.items():
                    totals[key] += value
            area_verdict = self.area_total(area, names.get(area) or area, totals)
        return Evaluation(self.context, village_verdicts, counties, area_verdict)

    def area_total(self, code: str, name: str, totals: dict[str, Decimal]) -> AreaVerdict:
        """An area above the county (or without villages): its 三率 and risk counts."""
        scope = Scope(totals, self.context.params)
        return AreaVerdict(
            code,
            name,
            False,
            {},
            {key: _judge(item, scope) for key, item in self.rate_items.items()},
            totals,
            self._risks(scope),
        )

    def _risks(self, scope: Scope) -> dict[str, int]:
        return {key: int(evaluate(node, scope)) for key, node in self.risk_counts.items()}

    def _village_values(self, village: dict, facts: dict | None, baselines: dict) -> dict:
        from tuopin.assess.vocabulary import VILLAGE_FACTS

        values: dict[str, Any] = {}
        for name, fact in VILLAGE_FACTS.items():
            if fact.path.startswith("facts."):
                values[name] = None if facts is None else plain(facts[fact.path[6:]])
            elif fact.path == "is_poor_village":
                values[name] = village["is_poor_village"]
            elif fact.path == "baseline.income_share":
                values[name] = plain(baselines.get(village["id"]))
        return values


def evaluate_area(context: Context) -> Evaluation:
    return AreaEvaluator(context).run()
