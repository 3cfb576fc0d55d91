"""Compiling rule expressions (tuopin.lib.ruleexpr ASTs) into Django ORM expressions.

Household-level expressions become annotations on a ``Household`` queryset; aggregates over
``members`` become conditional aggregates over the ``members`` join (``COUNT(...) FILTER``),
so one grouped query evaluates every household, and the database computes each distinct
aggregate once however often the rules mention it. Parameters are bound before compiling,
which lets ``age(birth_date, $as_of) >= 6`` become the plain column comparison
``birth_date <= <date>`` instead of date arithmetic per row.

The semantics are those of :func:`tuopin.lib.ruleexpr.evaluate` (three-valued logic, unknown on
division by zero); tests check the two agree on every household of a generated county.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression, RawSQL
from django.db.models.functions import Abs, Coalesce, NullIf
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
)

from tuopin.assess.vocabulary import HOUSEHOLD_FACTS, MEMBER_FACTS
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
    Param,
    Unary,
    birth_date_bounds,
    map_children,
)


class CompileError(ValueError):
    """The expression is valid but cannot be evaluated in the database (says why, in Chinese)."""


class ToNumeric(Func):
    """Cast to a non-integer number so that division never truncates."""

    function = "CAST"
    template = "CAST(%(expressions)s AS REAL)"
    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s)::numeric", **extra)


# SQLite computes decimals in binary floating point: 3000.1 + 199.9 is not exactly 3200.0.
# Where a side is computed from non-integers, compare with a tolerance far below a cent per
# person (values are rationals with small denominators, so a true difference is never this
# small) so that "exactly at the line" is exactly at the line, as in the exact-decimal
# interpreter and on PostgreSQL. A difference is cheap; ROUND(x, 6) costs a printf per row.
TOLERANCE = 1e-7


_LOOKUPS = {
    "==": Exact,
    "<": LessThan,
    "<=": LessThanOrEqual,
    ">": GreaterThan,
    ">=": GreaterThanOrEqual,
}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def bind(node: Node, params: dict[str, Any]) -> Node:
    """Replace parameters by their values (``None`` when unset: unknown)."""
    if isinstance(node, Param):
        return Literal(params.get(node.name))
    return map_children(node, lambda child: bind(child, params))


def kind_of(node: Node, level: str) -> str:
    """number | text | bool | date | null: enough typing to pick output fields and casts."""
    if isinstance(node, Literal):
        value = node.value
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, str):
            return "text"
        if isinstance(value, dt.date):
            return "date"
        return "number"
    if isinstance(node, Name):
        facts = MEMBER_FACTS if level == "member" else HOUSEHOLD_FACTS
        return facts[node.name].kind
    if isinstance(node, Unary):
        return "number"
    if isinstance(node, Binary):
        return "bool" if node.op in ("and", "or") else "number"
    if isinstance(node, Not | Compare | InList):
        return "bool"
    if isinstance(node, Call):
        if node.function in ("count", "sum", "age", "min", "max", "abs"):
            return "number"
        if node.function in ("all", "any", "known"):
            return "bool"
        candidates = node.args[1:] if node.function == "if" else node.args
        for arg in candidates:
            found = kind_of(arg, level)
            if found != "null":
                return found
        return "null"
    return "null"


def _output_field(kind: str):
    return {
        "bool": BooleanField(),
        "date": DateField(),
        "number": FloatField(),
    }.get(kind)


_INTEGER_FACTS = {
    "member_count",
    "exit_year",
    "first_identified_year",
    "water_minutes_round_trip",
    "work_months",
}


def _integral(node: Node, level: str) -> bool:
    """Whether a numeric expression only ever has integer values."""
    if isinstance(node, Literal):
        value = node.value
        return not isinstance(value, Decimal) or value == value.to_integral_value()
    if isinstance(node, Name):
        return node.name in _INTEGER_FACTS
    if isinstance(node, Unary):
        return _integral(node.operand, level)
    if isinstance(node, Binary) and node.op in ("+", "-", "*"):
        return _integral(node.left, level) and _integral(node.right, level)
    if isinstance(node, Call):
        if node.function == "count":
            return True
        if node.function == "sum":
            return _integral(node.args[1], "member")
        if node.function in ("if", "coalesce", "min", "max", "abs"):
            args = node.args[1:] if node.function == "if" else node.args
            return all(_integral(arg, level) for arg in args)
    return False


def _computed_fraction(node: Node, level: str) -> bool:
    """A number computed (not stored) from non-integers: binary floating point may be off."""
    if kind_of(node, level) != "number" or isinstance(node, Literal | Name):
        return False
    return not _integral(node, level)


def age_operands(age: Call, bound: Node) -> tuple[Node, dt.date | None, int | None]:
    """The birth-date operand, the reference date and the whole years of an age comparison
    (``None`` when a side is unknown); refuses what no back-end can compile."""
    born, on = age.args
    if not isinstance(on, Literal) or not isinstance(bound, Literal):
        raise CompileError("age() 只能在基准日为参数、另一侧为整数时比较")
    if on.value is None or bound.value is None:
        return born, None, None
    years = bound.value
    if not isinstance(years, Decimal) or years != years.to_integral_value():
        raise CompileError(f"年龄只能与整数比较，实际为 {years}")
    return born, on.value, int(years)


def is_condition(node: Node) -> bool:
    """Nodes that :meth:`Compiler.condition` compiles natively."""
    if isinstance(node, Not | Compare | InList):
        return True
    if isinstance(node, Binary):
        return node.op in ("and", "or")
    return isinstance(node, Call) and node.function in ("all", "any", "known")


class Compiler:
    """Compiles bound household-level expressions for one database vendor."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.members = MemberTotals()

    # ------------------------------------------------------------ dispatch

    # ------------------------------------------------------------ values

    def value(self, node: Node, level: str = "household") -> Any:
        """An expression for a value; booleans keep their three values."""
        known = self.known(node, level)
        if known is not None:
            return known
        if is_condition(node):
            return ExpressionWrapper(Q(self.condition(node, level)), output_field=BooleanField())
        if isinstance(node, Literal):
            return self.literal(node.value)
        if isinstance(node, Name):
            return self.column(node.name, level)
        if isinstance(node, Unary):
            return CombinedExpression(
                Value(0), "-", self.value(node.operand, level), output_field=FloatField()
            )
        if isinstance(node, Binary):
            left = self.value(node.left, level)
            right = self.value(node.right, level)
            if node.op == "/":
                return CombinedExpression(
                    ToNumeric(left), "/", NullIf(right, Value(0)), output_field=FloatField()
                )
            return CombinedExpression(left, node.op, right, output_field=FloatField())
        if isinstance(node, Call):
            return self.call(node, level)
        raise CompileError(f"无法编译的表达式 {type(node).__name__}")

    def literal(self, value: Any) -> Value:
        if value is None:
            return Value(None)
        if isinstance(value, bool):
            return Value(value, output_field=BooleanField())
        if isinstance(value, Decimal):
            if value == value.to_integral_value():
                return Value(int(value))
            if self.vendor == "sqlite":
                return Value(float(value), output_field=FloatField())
            return Value(value, output_field=DecimalField())
        if isinstance(value, dt.date):
            return Value(value, output_field=DateField())
        return Value(value)

    def known(self, node: Node, level: str) -> Any:
        """A precomputed column for this expression, if any (see DerivedCompiler)."""
        return None

    def column(self, name: str, level: str) -> Any:
        return F(self.path(name, level))

    def path(self, name: str, level: str) -> str:
        if level == "member":
            return MEMBER_FACTS[name].path
        return HOUSEHOLD_FACTS[name].path

    def call(self, node: Call, level: str) -> Any:
        function, args = node.function, node.args
        if function in AGGREGATES:
            return self.aggregate(node, level)
        if function == "if":
            kind = kind_of(node, level)
            return Case(
                When(self.condition(args[0], level), then=self.value(args[1], level)),
                default=self.value(args[2], level),
                output_field=_output_field(kind),
            )
        if function == "coalesce":
            return Coalesce(
                *(self.value(arg, level) for arg in args),
                output_field=_output_field(kind_of(node, level)),
            )
        if function in ("min", "max"):
            first, second = (self.value(arg, level) for arg in args)
            pick_first = LessThanOrEqual if function == "min" else GreaterThanOrEqual
            return Case(
                When(Q(IsNull(first, True)) | Q(IsNull(second, True)), then=Value(None)),
                When(pick_first(first, second), then=first),
                default=second,
                output_field=FloatField(),
            )
        if function == "abs":
            return Abs(self.value(args[0], level), output_field=FloatField())
        if function == "age":
            raise CompileError("age() 在数据库中只能与整数比较，如 age(birth_date, $as_of) >= 6")
        raise CompileError(f"函数 {function} 不能在此使用")

    def aggregate(self, node: Call, level: str) -> Any:
        """A member aggregate: a column of the per-household member totals (see MemberTotals)."""
        collection = node.args[0]
        assert isinstance(collection, Name)
        if level != "household" or collection.name != "members":
            raise CompileError(f"户条件中只能对 members 求 {node.function}")
        return self.members.reference(node, self)

    # ------------------------------------------------------------ conditions

    def condition(self, node: Node, level: str = "household") -> Any:
        """A conditional expression with SQL's three-valued logic."""
        known = self.known(node, level)
        if known is not None:
            return Exact(known, 1)
        if isinstance(node, Literal):
            if node.value is None or isinstance(node.value, bool):
                return Value(node.value, output_field=BooleanField())
            raise CompileError(f"“{node.value}”不是条件")
        if isinstance(node, Name):
            return Exact(self.column(node.name, level), True)
        if isinstance(node, Not):
            return ~Q(self.condition(node.operand, level))
        if isinstance(node, Binary) and node.op in ("and", "or"):
            left = Q(self.condition(node.left, level))
            right = Q(self.condition(node.right, level))
            return left & right if node.op == "and" else left | right
        if isinstance(node, Compare):
            return self.compare(node, level)
        if isinstance(node, InList):
            return self.in_list(node, level)
        if isinstance(node, Call):
            if node.function == "known":
                return IsNull(self.value(node.args[0], level), False)
            if node.function in ("all", "any"):
                collection = node.args[0]
                assert isinstance(collection, Name)
                if level != "household" or collection.name != "members":
                    raise CompileError(f"户条件中只能对 members 求 {node.function}")
                counted = self.members.reference(node, self)
                # any: members whose condition is true; all: members whose condition is not
                # true (unknown counts as not true), which must be none.
                if node.function == "any":
                    return GreaterThan(counted, 0)
                return Exact(counted, 0)
        return Exact(self.value(node, level), True)

    def truth(self, node: Node, level: str = "household") -> Case:
        """Two-valued: true only when the condition is true (unknown → false)."""
        return Case(
            When(self.condition(node, level), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )

    def compare(self, node: Compare, level: str) -> Any:
        left, right, op = node.left, node.right, node.op
        if isinstance(right, Call) and right.function == "age":
            left, right, op = right, left, _FLIPPED[op]
        if isinstance(left, Call) and left.function == "age":
            return self.age_compare(left, op, right, level)
        for side in (left, right):
            if isinstance(side, Literal) and side.value is None:
                return Value(None, output_field=BooleanField())
        lhs, rhs = self.value(left, level), self.value(right, level)
        if self.vendor == "sqlite" and (
            _computed_fraction(left, level) or _computed_fraction(right, level)
        ):
            return self.tolerant_compare(op, lhs, rhs)
        if op == "!=":
            return ~Q(Exact(lhs, rhs))
        return _LOOKUPS[op](lhs, rhs)

    def tolerant_compare(self, op: str, lhs: Any, rhs: Any) -> Any:
        difference = CombinedExpression(lhs, "-", rhs, output_field=FloatField())
        if op in (">", ">="):
            return (GreaterThan if op == ">" else GreaterThanOrEqual)(
                difference, Value(TOLERANCE if op == ">" else -TOLERANCE)
            )
        if op in ("<", "<="):
            return (LessThan if op == "<" else LessThanOrEqual)(
                difference, Value(-TOLERANCE if op == "<" else TOLERANCE)
            )
        equal = Q(GreaterThanOrEqual(difference, Value(-TOLERANCE))) & Q(
            LessThanOrEqual(difference, Value(TOLERANCE))
        )
        return equal if op == "==" else ~equal

    def age_compare(self, age: Call, op: str, bound: Node, level: str) -> Any:
        born, on, years = age_operands(age, bound)
        if on is None or years is None:
            return Value(None, output_field=BooleanField())
        column = self.value(born, level)
        joiner, bounds = birth_date_bounds(op, years, on)
        lookups = {"<=": LessThanOrEqual, ">": GreaterThan}
        condition = Q(lookups[bounds[0][0]](column, Value(bounds[0][1])))
        for comparison, date in bounds[1:]:
            other = Q(lookups[comparison](column, Value(date)))
            condition = condition & other if joiner == "and" else condition | other
        return condition

    def in_list(self, node: InList, level: str) -> Any:
        operand = self.value(node.operand, level)
        literals = [item.value for item in node.items if isinstance(item, Literal)]
        if len(literals) == len(node.items) and None not in literals:
            values = [
                int(v) if isinstance(v, Decimal) and v == v.to_integral_value() else v
                for v in literals
            ]
            condition: Any = In(operand, values)
        else:
            condition = Q(Exact(operand, self.value(node.items[0], level)))
            for item in node.items[1:]:
                condition |= Q(Exact(operand, self.value(item, level)))
        return ~Q(condition) if node.negated else condition


_FIELD_FOR_KIND = {
    "bool": BooleanField,
    "number": FloatField,
    "date": DateField,
}


class DerivedCompiler(Compiler):
    """Compiles household-level expressions over the columns of the household query used as a
    derived table (``alias``): facts as ``fact__<name>``, member totals as ``mt__<m>``, and
    whole sub-expressions the inner query already computed (each item, each gate, the verdict)
    as their 0/1 columns, so the database evaluates a household's verdict once however many
    village sums mention it.
    """

    def __init__(self, vendor: str, alias: str, members: MemberTotals, known: dict[Node, str]):
        super().__init__(vendor)
        self.alias = alias
        self.members = members
        self.known_columns = known
        self.facts: set[str] = set()
        self.member_columns: set[str] = set()

    def _ref(self, column: str, field) -> RawSQL:
        return RawSQL(  # noqa: S611 - quoted identifiers of our own, no input
            f"{_quote(self.alias)}.{_quote(column)}", (), output_field=field
        )

    def known(self, node: Node, level: str) -> Any:
        if level != "household":
            return None
        column = self.known_columns.get(node)
        if column is None:
            return None
        return self._ref(column, IntegerField())

    def column(self, name: str, level: str) -> Any:
        if level != "household":
            return super().column(name, level)
        self.facts.add(name)
        kind = HOUSEHOLD_FACTS[name].kind
        return self._ref(f"fact__{name}", _FIELD_FOR_KIND.get(kind, CharField)())

    def aggregate(self, node: Call, level: str) -> Any:
        inner = super().aggregate(node, level)  # registers the member total
        del inner
        name = self.members.columns[node][0]
        self.member_columns.add(name)
        return self._ref(f"mt__{name}", FloatField())

    def condition(self, node: Node, level: str = "household") -> Any:
        if isinstance(node, Call) and node.function in ("all", "any") and level == "household":
            counted = self.aggregate(node, level)
            if node.function == "any":
                return GreaterThan(counted, 0)
            return Exact(counted, 0)
        return super().condition(node, level)


class MemberTotals:
    """The member aggregates a household query needs, computed once per household.

    Each distinct ``count/sum/all/any(members, …)`` becomes a column of one derived table::

        LEFT JOIN (SELECT household_id, COUNT(*) FILTER (WHERE …) AS m0, …
                   FROM registry_person WHERE is_active GROUP BY household_id) member_totals
               ON member_totals.household_id = registry_household.id

    built by the ORM from ``Person`` and attached to the household query by :func:`attach`.
    The household query itself then has no GROUP BY, so every item and every village sum
    reads a member total as a plain column however often the rules mention it.
    """

    alias = "member_totals"

    def __init__(self) -> None:
        self.columns: dict[Call, tuple[str, Any]] = {}

    def reference(self, node: Call, compiler: Compiler) -> Any:
        if node not in self.columns:
            name = f"m{len(self.columns)}"
            self.columns[node] = (name, self._aggregate(node, compiler))
        name = self.columns[node][0]
        return Coalesce(
            RawSQL(  # noqa: S611 - two quoted identifiers of our own, no input
                f"{_quote(self.alias)}.{_quote(name)}", (), output_field=FloatField()
            ),
            Value(0),
            output_field=FloatField(),
        )

    def reference_by_name(self, name: str) -> Any:
        return Coalesce(
            RawSQL(  # noqa: S611 - two quoted identifiers of our own, no input
                f"{_quote(self.alias)}.{_quote(name)}", (), output_field=FloatField()
            ),
            Value(0),
            output_field=FloatField(),
        )

    @staticmethod
    def _aggregate(node: Call, compiler: Compiler) -> Any:
        function, args = node.function, node.args
        if function == "count" and len(args) == 1:
            return Count("pk")
        if function == "count" or function == "any":
            return Count("pk", filter=Q(compiler.condition(args[1], "member")))
        if function == "all":
            return Count("pk", filter=~Q(compiler.truth(args[1], "member")))
        return Sum(compiler.value(args[1], "member"), output_field=FloatField())

    def attach(self, households: QuerySet, persons: QuerySet) -> QuerySet:
        """``households`` with the member totals joined (no-op when no rule needs them)."""
        if not self.columns:
            return households
        totals = (
            persons.filter(is_active=True)
            .values("household_id")
            .annotate(**{name: aggregate for name, aggregate in self.columns.values()})
            .order_by()
        )
        households = households.all()
        query = households.query
        base_alias = query.get_initial_alias()
        query.alias_map[self.alias] = _DerivedJoin(totals, base_alias, self.alias)
        query.alias_refcount[self.alias] = 1
        return households


def _quote(name: str) -> str:
    from django.db import connection

    return connection.ops.quote_name(name)


class _DerivedJoin:
    """A LEFT JOIN to a subquery, placed in a query's FROM clause like Django's own Join."""

    join_type = "LEFT OUTER JOIN"
    nullable = True
    filtered_relation = None

    def __init__(self, subquery: QuerySet, parent_alias: str, table_alias: str) -> None:
        self.subquery = subquery
        self.parent_alias = parent_alias
        self.table_alias = table_alias
        self.table_name = table_alias

    def as_sql(self, compiler, connection):
        sql, params = self.subquery.query.sql_with_params()
        quote = connection.ops.quote_name
        return (
            f"LEFT OUTER JOIN ({sql}) {quote(self.table_alias)} ON "
            f"({quote(self.table_alias)}.{quote('household_id')} = "
            f"{quote(self.parent_alias)}.{quote('id')})",
            tuple(params),
        )

    def relabeled_clone(self, change_map):
        return _DerivedJoin(
            self.subquery, change_map.get(self.parent_alias, self.parent_alias), self.table_alias
        )

    @property
    def identity(self):
        return (self.__class__, self.table_alias, self.parent_alias, id(self.subquery))

    def __eq__(self, other):
        return isinstance(other, _DerivedJoin) and self.identity == other.identity

    def __hash__(self):
        return hash(self.identity)

    def demote(self):
        return self

    def promote(self):
        return self


def as_expression(condition: Any) -> Expression:
    """A conditional (Q or lookup) as a selectable boolean expression."""
    return ExpressionWrapper(Q(condition), output_field=BooleanField())
