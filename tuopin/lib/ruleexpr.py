"""A small, safe expression language for exit rules: tokenizer, parser to an AST, interpreter.

Rule files (tuopin/assess/rules/*.toml) state each standard as an expression such as::

    net_income > $income_line * count(members)
    all(members, not (age(birth_date, $as_of) >= 6 and age(birth_date, $as_of) <= 15)
                 or in_school or health in ['残疾', '患有大病'])

Nothing here calls ``eval``: text becomes a tree of the node classes below, and the tree is
either compiled to SQL (``tuopin.assess.compiler``) or walked by :func:`evaluate` for one
record (the per-household explanation). Both follow the same semantics:

* values: numbers (``Decimal``), strings, booleans, dates, and ``null`` (unknown);
* three-valued logic as in SQL: a comparison with an unknown side is unknown, ``and``/``or``/
  ``not`` follow Kleene's tables, and a rule passes only when its expression is *true*;
* arithmetic with an unknown operand, and division by zero, give unknown;
* ``count(c)``, ``count(c, cond)`` (members whose condition is true), ``sum(c, expr)`` (unknowns
  skipped, 0 when empty), ``all(c, cond)`` (every member's condition is true; true when empty)
  and ``any(c, cond)`` aggregate over a named collection (``members``, ``households``);
* ``age(date, on)`` is the age in full years on a date (the birthday of 29 February falls on
  1 March in other years); ``if(cond, a, b)``, ``coalesce(a, b, ...)``, ``known(x)``,
  ``min(a, b)``, ``max(a, b)``, ``abs(x)``.

Framework-free: no Django imports.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

__all__ = [
    "AGGREGATES",
    "FUNCTIONS",
    "Binary",
    "Call",
    "Compare",
    "ExpressionError",
    "InList",
    "Literal",
    "Name",
    "Node",
    "Not",
    "Param",
    "Scope",
    "Unary",
    "age_on",
    "birth_date_bounds",
    "evaluate",
    "latest_birth_date_for_age",
    "map_children",
    "names_in",
    "params_in",
    "parse",
    "substitute",
    "walk",
]


class ExpressionError(ValueError):
    """The text is not a valid expression; the message says where (column) and why, in Chinese."""

    def __init__(self, message: str, *, position: int | None = None, text: str = "") -> None:
        self.position = position
        self.text = text
        where = f"（第 {position + 1} 个字符处）" if position is not None else ""
        super().__init__(f"{message}{where}" + (f"：{text}" if text else ""))


# ---------------------------------------------------------------- AST


@dataclass(frozen=True)
class Node:
    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True)
class Literal(Node):
    value: Any  # Decimal | str | bool | None


@dataclass(frozen=True)
class Param(Node):
    name: str


@dataclass(frozen=True)
class Name(Node):
    name: str  # may be dotted: ``water.quality_ok``


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-"
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Not(Node):
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Binary(Node):
    op: str  # + - * / and or
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Compare(Node):
    op: str  # == != < <= > >=
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class InList(Node):
    operand: Node
    items: tuple[Node, ...]
    negated: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand, *self.items)


@dataclass(frozen=True)
class Call(Node):
    function: str
    args: tuple[Node, ...] = field(default=())

    def children(self) -> tuple[Node, ...]:
        return self.args


# Aggregates take a collection name first; the rest is evaluated per item of the collection.
AGGREGATES: dict[str, tuple[int, int]] = {
    "count": (1, 2),
    "sum": (2, 2),
    "all": (2, 2),
    "any": (2, 2),
}
FUNCTIONS: dict[str, tuple[int, int]] = {
    "age": (2, 2),
    "if": (3, 3),
    "coalesce": (2, 8),
    "known": (1, 1),
    "min": (2, 2),
    "max": (2, 2),
    "abs": (1, 1),
}

# ---------------------------------------------------------------- tokenizer

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'[^']*'|"[^"]*"|“[^”]*”|‘[^’]*’)
  | (?P<param>\$[A-Za-z_][A-Za-z0-9_]*)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
    """,
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}


@dataclass(frozen=True)
class Token:
    kind: str  # number string param name op keyword end
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"无法识别的字符“{text[position]}”", position=position, text=text)
        kind = match.lastgroup or ""
        value = match.group()
        if kind != "space":
            if kind == "name" and value in KEYWORDS:
                kind = "keyword"
            tokens.append(Token(kind, value, position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# ---------------------------------------------------------------- parser


class _Parser:
    """Recursive descent: or < and < not < comparison/in < + - < * / < unary - < primary."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def _error(self, message: str, token: Token | None = None) -> ExpressionError:
        token = token or self.current
        return ExpressionError(message, position=token.position, text=self.text)

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> Token | None:
        token = self.current
        if token.kind == kind and (text is None or token.text == text):
            return self.advance()
        return None

    def expect(self, kind: str, text: str) -> Token:
        token = self.accept(kind, text)
        if token is None:
            found = self.current.text or "表达式结尾"
            raise self._error(f"此处应为“{text}”，实际为“{found}”")
        return token

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise self._error("表达式为空")
        node = self.parse_or()
        if self.current.kind != "end":
            raise self._error(f"多余的内容“{self.current.text}”")
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.accept("keyword", "or"):
            node = Binary("or", node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_not()
        while self.accept("keyword", "and"):
            node = Binary("and", node, self.parse_not())
        return node

    def parse_not(self) -> Node:
        if self.accept("keyword", "not"):
            return Not(self.parse_not())
        return self.parse_comparison()

    def parse_comparison(self) -> Node:
        node = self.parse_additive()
        token = self.current
        if token.kind == "op" and token.text in ("==", "!=", "<", "<=", ">", ">="):
            self.advance()
            node = Compare(token.text, node, self.parse_additive())
        elif token.kind == "keyword" and token.text in ("in", "not"):
            negated = False
            if token.text == "not":
                following = self.tokens[self.index + 1]
                if not (following.kind == "keyword" and following.text == "in"):
                    return node
                self.advance()
                negated = True
            self.expect("keyword", "in")
            node = InList(node, self.parse_list(), negated)
        token = self.current
        if token.kind == "op" and token.text in ("==", "!=", "<", "<=", ">", ">="):
            raise self._error("比较不能连写，请用 and 连接两个比较")
        return node

    def parse_list(self) -> tuple[Node, ...]:
        self.expect("op", "[")
        items: list[Node] = []
        if not self.accept("op", "]"):
            while True:
                items.append(self.parse_additive())
                if self.accept("op", "]"):
                    break
                self.expect("op", ",")
        if not items:
            raise self._error("in 后的列表不能为空")
        return tuple(items)

    def parse_additive(self) -> Node:
        node = self.parse_multiplicative()
        while self.current.kind == "op" and self.current.text in ("+", "-"):
            op = self.advance().text
            node = Binary(op, node, self.parse_multiplicative())
        return node

    def parse_multiplicative(self) -> Node:
        node = self.parse_unary()
        while self.current.kind == "op" and self.current.text in ("*", "/"):
            op = self.advance().text
            node = Binary(op, node, self.parse_unary())
        return node

    def parse_unary(self) -> Node:
        if self.accept("op", "-"):
            operand = self.parse_unary()
            if isinstance(operand, Literal) and isinstance(operand.value, Decimal):
                return Literal(-operand.value)
            return Unary("-", operand)
        return self.parse_primary()

    def parse_primary(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.advance()
            return Literal(Decimal(token.text))
        if token.kind == "string":
            self.advance()
            return Literal(token.text[1:-1])
        if token.kind == "param":
            self.advance()
            return Param(token.text[1:])
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            self.advance()
            return Literal({"true": True, "false": False, "null": None}[token.text])
        if token.kind == "name":
            self.advance()
            if self.accept("op", "("):
                return self.parse_call(token)
            return Name(token.text)
        if self.accept("op", "("):
            node = self.parse_or()
            self.expect("op", ")")
            return node
        found = token.text or "表达式结尾"
        raise self._error(f"此处应为数值、名称或括号，实际为“{found}”")

    def parse_call(self, name: Token) -> Node:
        function = name.text
        if function not in AGGREGATES and function not in FUNCTIONS:
            known = "、".join(sorted({*AGGREGATES, *FUNCTIONS}))
            raise self._error(f"未知的函数“{function}”（可用：{known}）", name)
        args: list[Node] = []
        if not self.accept("op", ")"):
            while True:
                args.append(self.parse_or())
                if self.accept("op", ")"):
                    break
                self.expect("op", ",")
        low, high = AGGREGATES.get(function) or FUNCTIONS[function]
        if not low <= len(args) <= high:
            expected = str(low) if low == high else f"{low}–{high}"
            raise self._error(f"函数 {function} 需要 {expected} 个参数，实际 {len(args)} 个", name)
        if function in AGGREGATES and not isinstance(args[0], Name):
            raise self._error(f"函数 {function} 的第一个参数应为集合名称（如 members）", name)
        return Call(function, tuple(args))


def parse(text: str) -> Node:
    """Parse ``text`` into an AST; raises :class:`ExpressionError` with the position."""
    if not isinstance(text, str):
        raise ExpressionError("表达式必须是文本")
    return _Parser(text).parse()


# ---------------------------------------------------------------- tree helpers


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children():
        yield from walk(child)


def params_in(node: Node) -> set[str]:
    return {n.name for n in walk(node) if isinstance(n, Param)}


def names_in(node: Node) -> set[str]:
    """Free names at this level (names inside aggregates belong to the collection's items)."""
    found: set[str] = set()

    def visit(current: Node) -> None:
        if isinstance(current, Name):
            found.add(current.name)
        elif isinstance(current, Call) and current.function in AGGREGATES:
            return
        for child in current.children():
            visit(child)

    visit(node)
    return found


def map_children(node: Node, function: Callable[[Node], Node]) -> Node:
    """A copy of ``node`` with ``function`` applied to each direct child."""
    if isinstance(node, Unary):
        return Unary(node.op, function(node.operand))
    if isinstance(node, Not):
        return Not(function(node.operand))
    if isinstance(node, Binary):
        return Binary(node.op, function(node.left), function(node.right))
    if isinstance(node, Compare):
        return Compare(node.op, function(node.left), function(node.right))
    if isinstance(node, InList):
        return InList(
            function(node.operand), tuple(function(item) for item in node.items), node.negated
        )
    if isinstance(node, Call):
        return Call(node.function, tuple(function(arg) for arg in node.args))
    return node


def substitute(
    node: Node, definitions: Mapping[str, Node], *, _stack: tuple[str, ...] = ()
) -> Node:
    """Replace names defined in ``definitions`` by their (expanded) expressions, at this level.

    Names inside aggregates are left alone (they name the collection's items). A definition
    that refers to itself, directly or not, is an error.
    """
    if isinstance(node, Name) and node.name in definitions:
        if node.name in _stack:
            chain = " → ".join((*_stack, node.name))
            raise ExpressionError(f"定义循环引用：{chain}")
        return substitute(definitions[node.name], definitions, _stack=(*_stack, node.name))
    if isinstance(node, Call) and node.function in AGGREGATES:
        return node
    return map_children(node, lambda child: substitute(child, definitions, _stack=_stack))


# ---------------------------------------------------------------- dates


def _anniversary(born: dt.date, year: int) -> dt.date:
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a common year: the birthday counts from 1 March
        return dt.date(year, 3, 1)


def age_on(born: dt.date, on: dt.date) -> int:
    """Age in full years (周岁) on ``on``."""
    years = on.year - born.year
    if _anniversary(born, on.year) > on:
        years -= 1
    return years


def latest_birth_date_for_age(age: int, on: dt.date) -> dt.date:
    """The last birth date whose age on ``on`` is at least ``age``.

    ``age_on(b, on) >= age`` exactly when ``b <= latest_birth_date_for_age(age, on)``; the
    compiler turns age comparisons into this date comparison so that the database uses a
    plain column comparison instead of date arithmetic per row.
    """
    year = on.year - age
    try:
        candidate = on.replace(year=year)
    except ValueError:  # ``on`` is 29 February and ``year`` is common: 28 Feb is the last
        candidate = dt.date(year, 2, 28)
    return candidate


def birth_date_bounds(op: str, years: int, on: dt.date) -> tuple[str, list[tuple[str, dt.date]]]:
    """``age(birth_date, on) <op> years`` as comparisons of the birth date with fixed dates.

    Returns ``(joiner, [(comparison, date), …])``: the birth date compared (``<=`` or ``>``)
    with each date, joined by ``and``/``or``. Every back-end (SQL, Spark) compiles age
    conditions through this one translation.
    """

    def at_least(k: int) -> tuple[str, dt.date]:
        return ("<=", latest_birth_date_for_age(k, on))

    def below(k: int) -> tuple[str, dt.date]:
        return (">", latest_birth_date_for_age(k, on))

    if op == ">=":
        return "and", [at_least(years)]
    if op == ">":
        return "and", [at_least(years + 1)]
    if op == "<":
        return "and", [below(years)]
    if op == "<=":
        return "and", [below(years + 1)]
    if op == "==":
        return "and", [at_least(years), below(years + 1)]
    if op == "!=":
        return "or", [below(years), at_least(years + 1)]
    raise ExpressionError(f"未知的比较“{op}”")


# ---------------------------------------------------------------- interpreter


class Scope:
    """What :func:`evaluate` reads: names, parameters and collections of one record."""

    def __init__(
        self,
        values: Mapping[str, Any],
        params: Mapping[str, Any],
        collections: Mapping[str, Sequence[Scope]] | None = None,
    ) -> None:
        self.values = values
        self.params = params
        self.collections = collections or {}

    def name(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise ExpressionError(f"未知的名称“{name}”") from None

    def param(self, name: str) -> Any:
        try:
            return self.params[name]
        except KeyError:
            raise ExpressionError(f"未知的参数“${name}”") from None

    def collection(self, name: str) -> Sequence[Scope]:
        try:
            return self.collections[name]
        except KeyError:
            raise ExpressionError(f"未知的集合“{name}”") from None


def _number(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


def _arith(op: str, left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    left, right = _number(left), _number(right)
    try:
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if right == 0:
            return None
        return left / right
    except (DivisionByZero, InvalidOperation, TypeError) as error:
        raise ExpressionError(f"无法计算 {left!r} {op} {right!r}") from error


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(op: str, left: Any, right: Any) -> bool | None:
    if left is None or right is None:
        return None
    left, right = _number(left), _number(right)
    try:
        return _COMPARE[op](left, right)
    except TypeError as error:
        raise ExpressionError(f"无法比较 {left!r} {op} {right!r}") from error


def _and(left: bool | None, right: bool | None) -> bool | None:
    if left is False or right is False:
        return False
    if left is None or right is None:
        return None
    return True


def _or(left: bool | None, right: bool | None) -> bool | None:
    if left is True or right is True:
        return True
    if left is None or right is None:
        return None
    return False


def _truth(value: Any) -> bool | None:
    if value is None:
        return None
    return bool(value)


def evaluate(node: Node, scope: Scope) -> Any:
    """Evaluate ``node`` for one record with SQL's three-valued semantics (``None`` = unknown)."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Param):
        return scope.param(node.name)
    if isinstance(node, Name):
        return scope.name(node.name)
    if isinstance(node, Unary):
        value = evaluate(node.operand, scope)
        return None if value is None else -_number(value)
    if isinstance(node, Not):
        value = _truth(evaluate(node.operand, scope))
        return None if value is None else not value
    if isinstance(node, Binary):
        if node.op == "and":
            left = _truth(evaluate(node.left, scope))
            if left is False:
                return False
            return _and(left, _truth(evaluate(node.right, scope)))
        if node.op == "or":
            left = _truth(evaluate(node.left, scope))
            if left is True:
                return True
            return _or(left, _truth(evaluate(node.right, scope)))
        return _arith(node.op, evaluate(node.left, scope), evaluate(node.right, scope))
    if isinstance(node, Compare):
        return _compare(node.op, evaluate(node.left, scope), evaluate(node.right, scope))
    if isinstance(node, InList):
        value = evaluate(node.operand, scope)
        if value is None:
            return None
        items = [evaluate(item, scope) for item in node.items]
        value = _number(value)
        if any(_number(item) == value for item in items if item is not None):
            return not node.negated
        if any(item is None for item in items):
            return None
        return node.negated
    if isinstance(node, Call):
        return _call(node, scope)
    raise ExpressionError(f"无法求值的节点 {type(node).__name__}")


def _call(node: Call, scope: Scope) -> Any:
    function, args = node.function, node.args
    if function in AGGREGATES:
        assert isinstance(args[0], Name)
        items = scope.collection(args[0].name)
        if function == "count":
            if len(args) == 1:
                return Decimal(len(items))
            return Decimal(sum(1 for item in items if _truth(evaluate(args[1], item)) is True))
        if function == "sum":
            total = Decimal(0)
            for item in items:
                value = evaluate(args[1], item)
                if value is not None:
                    total += _number(value)
            return total
        if function == "all":
            return all(_truth(evaluate(args[1], item)) is True for item in items)
        return any(_truth(evaluate(args[1], item)) is True for item in items)
    if function == "if":
        condition = _truth(evaluate(args[0], scope))
        return evaluate(args[1] if condition is True else args[2], scope)
    if function == "coalesce":
        for arg in args:
            value = evaluate(arg, scope)
            if value is not None:
                return value
        return None
    if function == "known":
        return evaluate(args[0], scope) is not None
    values = [evaluate(arg, scope) for arg in args]
    if any(value is None for value in values):
        return None
    if function == "age":
        born, on = values
        if not isinstance(born, dt.date) or not isinstance(on, dt.date):
            raise ExpressionError("age() 的两个参数都应为日期")
        return Decimal(age_on(born, on))
    if function == "min":
        return min(_number(values[0]), _number(values[1]))
    if function == "max":
        return max(_number(values[0]), _number(values[1]))
    if function == "abs":
        return abs(_number(values[0]))
    raise ExpressionError(f"未知的函数“{function}”")
