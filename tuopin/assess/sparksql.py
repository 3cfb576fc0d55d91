"""The second back-end of the rule language: bound rule ASTs as Spark SQL expression text.

The same parsed, expanded and bound rules (:mod:`tuopin.assess.rulesets`,
:func:`tuopin.assess.compiler.bind`) that :mod:`tuopin.assess.compiler` turns into Django ORM
expressions become Spark SQL expressions here, each usable as ``pyspark.sql.functions.expr``
on the household table of a Parquet export (:mod:`tuopin.registry.parquet`). There is no second
copy of any rule: only the translation of each node kind.

The semantics are the interpreter's (:func:`tuopin.lib.ruleexpr.evaluate`): Spark SQL has SQL's
three-valued logic, ``a / NULLIF(b, 0)`` is unknown on division by zero, and numbers stay exact
decimals (money is ``DECIMAL(12,2)`` in the export, fractional literals are ``…BD``), as on
PostgreSQL. Member aggregates become columns of one ``GROUP BY household_no`` over the persons
(:class:`MemberAggregates`), joined to the households, exactly like the SQL engine's derived
table. Framework-free apart from the shared compiler helpers; pyspark is not imported.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tuopin.assess.compiler import CompileError, age_operands, is_condition
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
    Unary,
    birth_date_bounds,
)

NULL_BOOLEAN = "CAST(NULL AS BOOLEAN)"
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_SQL_COMPARE = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def quote(name: str) -> str:
    """A Spark SQL identifier (backticks; names come from the vocabulary, never from input)."""
    return "`" + name.replace("`", "``") + "`"


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise CompileError(f"无法编译的数值 {value}")
        if value == value.to_integral_value():
            return f"{int(value)}"
        return f"{value:f}BD"
    if isinstance(value, dt.date):
        return f"DATE'{value.isoformat()}'"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


class MemberAggregates:
    """Each distinct ``count/sum/all/any(members, …)`` as a column ``m<i>`` of the persons
    grouped by household (computed once per household however often the rules mention it)."""

    def __init__(self) -> None:
        self.columns: dict[Call, tuple[str, str]] = {}

    def reference(self, node: Call, compiler: SparkCompiler) -> str:
        if node not in self.columns:
            name = f"m{len(self.columns)}"
            self.columns[node] = (name, self._aggregate(node, compiler))
        # A household without active members has no row in the grouped persons: 0, as in SQL.
        return f"coalesce({quote(self.columns[node][0])}, 0)"

    @staticmethod
    def _aggregate(node: Call, compiler: SparkCompiler) -> str:
        function, args = node.function, node.args
        if function == "count" and len(args) == 1:
            return "count(1)"
        if function in ("count", "any"):
            return f"sum(CASE WHEN {compiler.condition(args[1], 'member')} THEN 1 ELSE 0 END)"
        if function == "all":  # members whose condition is not true (unknown counts too)
            return f"sum(CASE WHEN {compiler.condition(args[1], 'member')} THEN 0 ELSE 1 END)"
        return f"sum({compiler.value(args[1], 'member')})"

    def select(self) -> list[tuple[str, str]]:
        """``(column, aggregate expression)`` for the grouped persons."""
        return [(name, sql) for name, sql in self.columns.values()]


class SparkCompiler:
    """Bound household-level expressions as Spark SQL text over the household columns.

    ``known`` maps whole sub-expressions to columns already computed (each item's and gate's
    0/1 and the verdict), so village sums read them instead of evaluating them again.
    """

    def __init__(self, known: dict[Node, str] | None = None) -> None:
        self.members = MemberAggregates()
        self.known = dict(known or {})

    # ------------------------------------------------------------ values

    def value(self, node: Node, level: str = "household") -> str:
        if level == "household" and node in self.known:
            return f"({quote(self.known[node])} = 1)"
        if is_condition(node):
            return self.condition(node, level)
        if isinstance(node, Literal):
            return literal(node.value)
        if isinstance(node, Name):
            return quote(node.name)
        if isinstance(node, Unary):
            return f"(- {self.value(node.operand, level)})"
        if isinstance(node, Binary):
            left = self.value(node.left, level)
            right = self.value(node.right, level)
            if node.op == "/":
                return f"({left} / NULLIF({right}, 0))"
            return f"({left} {node.op} {right})"
        if isinstance(node, Call):
            return self.call(node, level)
        raise CompileError(f"无法编译的表达式 {type(node).__name__}")

    def call(self, node: Call, level: str) -> str:
        function, args = node.function, node.args
        if function in AGGREGATES:
            return self.aggregate(node, level)
        if function == "if":
            return (
                f"(CASE WHEN {self.condition(args[0], level)} THEN {self.value(args[1], level)}"
                f" ELSE {self.value(args[2], level)} END)"
            )
        if function == "coalesce":
            return f"coalesce({', '.join(self.value(arg, level) for arg in args)})"
        if function in ("min", "max"):
            first, second = (self.value(arg, level) for arg in args)
            pick = "<=" if function == "min" else ">="
            return (
                f"(CASE WHEN {first} IS NULL OR {second} IS NULL THEN NULL"
                f" WHEN {first} {pick} {second} THEN {first} ELSE {second} END)"
            )
        if function == "abs":
            return f"abs({self.value(args[0], level)})"
        if function == "age":
            raise CompileError("age() 在数据库中只能与整数比较，如 age(birth_date, $as_of) >= 6")
        raise CompileError(f"函数 {function} 不能在此使用")

    def aggregate(self, node: Call, level: str) -> str:
        collection = node.args[0]
        assert isinstance(collection, Name)
        if level != "household" or collection.name != "members":
            raise CompileError(f"户条件中只能对 members 求 {node.function}")
        return self.members.reference(node, self)

    # ------------------------------------------------------------ conditions

    def condition(self, node: Node, level: str = "household") -> str:
        """A three-valued boolean expression."""
        if level == "household" and node in self.known:
            return f"({quote(self.known[node])} = 1)"
        if isinstance(node, Literal):
            if node.value is None:
                return NULL_BOOLEAN
            if isinstance(node.value, bool):
                return literal(node.value)
            raise CompileError(f"“{node.value}”不是条件")
        if isinstance(node, Name):
            return f"({quote(node.name)} = true)"
        if isinstance(node, Not):
            return f"(NOT {self.condition(node.operand, level)})"
        if isinstance(node, Binary) and node.op in ("and", "or"):
            left = self.condition(node.left, level)
            right = self.condition(node.right, level)
            return f"({left} {node.op.upper()} {right})"
        if isinstance(node, Compare):
            return self.compare(node, level)
        if isinstance(node, InList):
            operand = self.value(node.operand, level)
            items = ", ".join(self.value(item, level) for item in node.items)
            found = f"({operand} IN ({items}))"
            return f"(NOT {found})" if node.negated else found
        if isinstance(node, Call):
            if node.function == "known":
                return f"({self.value(node.args[0], level)} IS NOT NULL)"
            if node.function in ("all", "any"):
                counted = self.aggregate(node, level)
                return f"({counted} > 0)" if node.function == "any" else f"({counted} = 0)"
        return f"({self.value(node, level)} = true)"

    def truth(self, node: Node, level: str = "household") -> str:
        """Two-valued: true only when the condition is true (unknown → false)."""
        return f"coalesce({self.condition(node, level)}, false)"

    def flag(self, node: Node, level: str = "household") -> str:
        """1 when the condition is true, else 0 (the SQL engine's 0/1 columns)."""
        return f"(CASE WHEN {self.condition(node, level)} THEN 1 ELSE 0 END)"

    def compare(self, node: Compare, level: str) -> str:
        left, right, op = node.left, node.right, node.op
        if isinstance(right, Call) and right.function == "age":
            left, right, op = right, left, _FLIPPED[op]
        if isinstance(left, Call) and left.function == "age":
            born, on, years = age_operands(left, right)
            if on is None or years is None:
                return NULL_BOOLEAN
            column = self.value(born, level)
            joiner, bounds = birth_date_bounds(op, years, on)
            parts = [f"({column} {comparison} {literal(date)})" for comparison, date in bounds]
            return "(" + f" {joiner.upper()} ".join(parts) + ")"
        for side in (left, right):
            if isinstance(side, Literal) and side.value is None:
                return NULL_BOOLEAN
        return f"({self.value(left, level)} {_SQL_COMPARE[op]} {self.value(right, level)})"
