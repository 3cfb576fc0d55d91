"""Cells, sheets and plans: what every ledger import shares.

A ledger's import reads its sheets column by column (fast paths for the common cell types, a slow
path that explains the problem in Chinese) into a *plan* that lists every problem with sheet, row,
column, value and reason, or every change; nothing is written unless the plan has no problem.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from tuopin.ledger.layout import Column, Ledger
from tuopin.ledger.reader import Sheet
from tuopin.lib.plain_names import name_problem

MAX_LISTED_PROBLEMS = 1000
CHUNK = 900  # SQLite's default limit of bound parameters is 999

_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９ＸｘＡＢＣＤａｂｃｄ．－，\u3000",
    "0123456789XxABCDabcd.-, ",
)
_FULL_WIDTH_ANY = re.compile("[" + re.escape("".join(map(chr, _FULL_WIDTH))) + "]")
_MISS = object()
_CACHED_CELLS = (str, dt.datetime, dt.date)  # cell types a column's parse may remember by value
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


@dataclass
class Problem:
    sheet: str
    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"“{self.sheet}”表第{self.row}行"
        if self.column:
            where += f"“{self.column}”列"
        value = f"（值：{self.value}）" if self.value != "" else ""
        return f"{where}{value}：{self.reason}"


@dataclass
class LedgerPlan:
    """Problems and the change summary of one import; a ledger's plan adds what it writes."""

    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    notices: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    change_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def problem(self, sheet: str, row: int, column: str, value: Any, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            shown = "" if value is None else str(value)
            self.problems.append(Problem(sheet, row, column, shown[:60], reason))


def text_of(value: Any) -> str:
    """A cell as clean text: trimmed, full-width digits/letters made ASCII, 12.0 → "12"."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        text = value.strip()
        if not text.isascii():
            text = text.translate(_FULL_WIDTH).strip()
        return text
    if kind is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if kind is int:
        return str(value)
    if kind is bool:
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


_BOOL = {"是": True, "否": False, "Y": True, "N": False, "y": True, "n": False}
_BOOL_SLOW = {
    **_BOOL,
    "1": True,
    "0": False,
    "TRUE": True,
    "FALSE": False,
    "True": True,
    "False": False,
    "有": True,
    "无": False,
    "√": True,
    "×": False,
}


def number_text(text: str) -> str:
    return text.replace(",", "").replace("，", "").replace("元", "").strip()


class CellReader:
    """Parses one sheet column by column and reports problems with sheet, row and column.

    A column's ``kind`` names the method that parses it (``_<kind>``); a ledger adds its own
    kinds by subclassing. ``choice_tables`` maps each code list to everything accepted for it,
    ``blank_defaults`` and ``max_length`` are per field."""

    choice_tables: dict[type, dict[str, str]] = {}
    blank_defaults: dict[str, str] = {}
    max_length: dict[str, int] = {}

    def __init__(self, plan: LedgerPlan, sheet: Sheet, today: dt.date):
        self.plan = plan
        self.sheet = sheet
        self.today = today
        self.numbers_as_text = 0
        self.normalised = 0
        self.failed: dict[int, set[str]] = {}  # row index → fields whose cell was refused

    def row_number(self, index: int) -> int:
        return self.sheet.first_row + index

    def fail(self, index: int, column: Column, value: Any, reason: str) -> None:
        self.failed.setdefault(index, set()).add(column.field)
        self.plan.problem(self.sheet.name, self.row_number(index), column.header, value, reason)

    def texts(self, raw: list[Any]) -> list[str]:
        """Cells as clean text (see :func:`text_of`), counting the cells that were changed.

        The fast path strips the whole column in one list comprehension and looks for full-width
        characters in the joined column at once; only a column that has some is translated cell
        by cell."""
        out = [value.strip() if type(value) is str else text_of(value) for value in raw]
        joined = "".join(out)
        if joined.isascii() or _FULL_WIDTH_ANY.search(joined) is None:
            self.normalised += sum(
                1
                for value, text in zip(raw, out, strict=True)
                if text is not value and type(value) is str
            )
            return out
        out = []
        append = out.append
        for value in raw:
            if type(value) is str:
                text = value.strip()
                if not text.isascii():
                    converted = text.translate(_FULL_WIDTH).strip()
                    if converted != text:
                        self.normalised += 1
                    text = converted
                if text is not value and len(text) != len(value):
                    self.normalised += 1
                append(text)
            else:
                append(text_of(value))
        return out

    def parse(self, column: Column, raw: list[Any]) -> list[Any]:
        method: Callable[[Column, list[Any]], list[Any]] = getattr(self, "_" + column.kind)
        if not column.blank_ok:
            for index, value in enumerate(raw):
                if value is None or value == "" or (type(value) is str and not value.strip()):
                    self.fail(index, column, "", "必填，不能为空")
        return method(column, raw)

    def _limited(self, column: Column, values: list[str], limit: int) -> list[str]:
        """Text and names: bounded length, plain text (no markup, no control characters).

        The whole column is checked at once (C-speed string methods on the joined column); only
        a column with a problem somewhere is gone through cell by cell to name the rows."""
        joined = "".join(values)
        if (
            "<" not in joined
            and ">" not in joined
            and joined.isprintable()
            and max(map(len, values), default=0) <= limit
        ):
            return values
        for index, value in enumerate(values):
            if len(value) > limit:
                self.fail(index, column, value, f"过长（最多 {limit} 个字符）")
            elif problem := name_problem(value):
                self.fail(index, column, value, problem)
        return values

    def _text(self, column: Column, raw: list[Any]) -> list[str]:
        return self._limited(column, self.texts(raw), self.max_length.get(column.field, 100))

    def _name(self, column: Column, raw: list[Any]) -> list[str]:
        values = self._limited(column, self.texts(raw), 50)
        for index, value in enumerate(values):
            if value and any(char.isdigit() for char in value):
                self.fail(index, column, value, "姓名中不应有数字")
        return values

    def _phone(self, column: Column, raw: list[Any]) -> list[str]:
        values = self.texts(raw)
        for index, value in enumerate(values):
            if value and (len(value) > 20 or not all(c.isdigit() or c == "-" for c in value)):
                self.fail(index, column, value, "电话号码只能由数字和“-”组成，最长20位")
        return values

    def _derived(self, column: Column, raw: list[Any]) -> list[Any]:
        return raw

    def _bool(self, column: Column, raw: list[Any]) -> list[Any]:
        get = _BOOL.get
        values = [get(value, _MISS) if type(value) is str else _MISS for value in raw]
        for index, value in enumerate(values):
            if value is _MISS:
                text = text_of(raw[index])
                if type(raw[index]) is bool:
                    values[index] = raw[index]
                elif text == "":
                    values[index] = None
                elif text in _BOOL_SLOW:
                    values[index] = _BOOL_SLOW[text]
                else:
                    self.fail(index, column, text, "应填写“是”或“否”")
                    values[index] = None
        return values

    def _choice(self, column: Column, raw: list[Any]) -> list[str]:
        table = self.choice_tables[column.choices]
        get = table.get
        values = [get(value, _MISS) if type(value) is str else _MISS for value in raw]
        default = self.blank_defaults.get(column.field, "")
        for index, value in enumerate(values):
            if value is _MISS:
                text = text_of(raw[index])
                if text == "":
                    values[index] = default
                elif text in table:
                    values[index] = table[text]
                    self.normalised += 1
                else:
                    allowed = "、".join(str(label) for _, label in column.choices.choices)
                    self.fail(index, column, text, f"不是有效的取值，应为：{allowed}")
                    values[index] = default
        return values

    def _decimal(self, column: Column, raw: list[Any], places: str, top: Decimal) -> list[Any]:
        fmt = "{:.%sf}" % (len(places) - 2 if "." in places else 0)
        quantum = Decimal(places)
        zero = Decimal(places) * 0
        values: list[Any] = []
        append = values.append
        # numbers repeat in a column: each accepted float or int cell is converted once (one
        # memory per type: 1 and 1.0 are equal keys but not the same cell)
        floats: dict[float, Decimal] = {}
        ints: dict[int, Decimal] = {}
        for index, value in enumerate(raw):
            kind = type(value)
            if kind is float or kind is int:
                number = (floats if kind is float else ints).get(value)
                if number is not None:
                    append(number)
                    continue
                number = Decimal(fmt.format(value)) if kind is float else Decimal(value)
            elif value is None or value == "":
                append(zero)
                continue
            else:
                text = number_text(text_of(value))
                if text == "":
                    append(zero)
                    continue
                if text.endswith("%") and column.kind == "percent":
                    text = text[:-1]
                try:
                    number = Decimal(text).quantize(quantum)
                    self.numbers_as_text += 1
                except (InvalidOperation, ValueError):
                    self.fail(index, column, text, "应为数字")
                    append(zero)
                    continue
            if number < 0:
                self.fail(index, column, value, "不能为负数")
            elif number >= top:
                self.fail(index, column, value, f"数值过大（应小于 {top}）")
            elif kind is float:
                floats[value] = number
            elif kind is int:
                ints[value] = number
            append(number)
        return values

    def _money(self, column: Column, raw: list[Any]) -> list[Any]:
        return self._decimal(column, raw, "0.01", Decimal("10000000000"))

    def _integers(self, column: Column, raw: list[Any], low: int, high: int) -> list[Any]:
        values: list[Any] = []
        for index, value in enumerate(raw):
            if type(value) is int:
                number = value
            elif type(value) is float and value.is_integer():
                number = int(value)
            else:
                text = number_text(text_of(value))
                if text == "":
                    values.append(None)
                    continue
                try:
                    number = int(Decimal(text))
                    if Decimal(text) != number:
                        raise ValueError
                    self.numbers_as_text += 1
                except (InvalidOperation, ValueError):
                    self.fail(index, column, text, "应为整数")
                    values.append(None)
                    continue
            if not low <= number <= high:
                self.fail(index, column, number, f"应在 {low} 到 {high} 之间")
                values.append(None)
                continue
            values.append(number)
        return values

    def _int(self, column: Column, raw: list[Any]) -> list[Any]:
        values = self._integers(column, raw, 0, 32767)
        return [0 if v is None else v for v in values]

    def _dates(
        self, column: Column, raw: list[Any], check: Callable[[dt.date], str], keep: bool
    ) -> list[Any]:
        """Dates as cells or text (2018-05-01, 2018/5/1, 2018年5月1日); ``check(day)`` names a
        refusal ("" for none); a refused day is kept (``keep``) or read as empty. A column
        repeats its dates, so each accepted cell value is parsed and checked once."""
        values: list[Any] = []
        append = values.append
        accepted: dict[Any, Any] = {}  # cell value → its day, for values read without a problem
        get = accepted.get
        for index, value in enumerate(raw):
            day = get(value, _MISS) if type(value) in _CACHED_CELLS else _MISS
            if day is not _MISS:
                append(day)
                continue
            if isinstance(value, dt.datetime):
                day = value.date()
            elif isinstance(value, dt.date):
                day = value
            else:
                text = text_of(value)
                if text == "":
                    append(None)
                    continue
                match = _DATE.fullmatch(text)
                try:
                    if not match:
                        raise ValueError
                    day = dt.date(*(int(part) for part in match.groups()))
                except ValueError:
                    self.fail(index, column, text, "应为日期，如 2018-05-01")
                    append(None)
                    continue
            reason = check(day)
            if reason:
                self.fail(index, column, day, reason)
                if not keep:
                    append(None)
                    continue
            elif type(value) in _CACHED_CELLS:
                accepted[value] = day
            append(day)
        return values

    def _date(self, column: Column, raw: list[Any]) -> list[Any]:
        """A date that has happened: not later than today."""
        today = self.today
        return self._dates(
            column, raw, lambda day: "日期不能晚于今天" if day > today else "", keep=True
        )

    def _day(self, column: Column, raw: list[Any]) -> list[Any]:
        """A date that may lie in the future (a planned date), between 1900 and 2100."""
        return self._dates(
            column,
            raw,
            lambda day: "" if 1900 <= day.year <= 2100 else "日期应在 1900 年到 2100 年之间",
            keep=False,
        )

    def _count(self, column: Column, raw: list[Any]) -> list[Any]:
        """A non-negative whole number, empty allowed (None)."""
        return self._integers(column, raw, 0, 10_000_000)

    def report(self) -> None:
        if self.numbers_as_text:
            self.plan.notices.append(
                f"“{self.sheet.name}”表有 {self.numbers_as_text:,} 个以文本形式存储的数字，已按数字读取"
            )
        if self.normalised:
            self.plan.notices.append(
                f"“{self.sheet.name}”表有 {self.normalised:,} 个单元格去除了首尾空格、全角字符或按代码/别名识别"
            )


# ---------------------------------------------------------------------------------------------
# Sheets


def columns_of(
    plan: LedgerPlan, sheet: Sheet, ledger: Ledger
) -> dict[str, tuple[int, Column]] | None:
    """field → (column index, column); reports missing required and duplicated headers."""
    known = ledger.header_lookup(sheet.name)
    found: dict[str, tuple[int, Column]] = {}
    informative: set[str] = set()
    for index, header in enumerate(sheet.headers):
        column = known.get(header)
        if column is None:
            continue
        key = column.field or column.header
        if key in found or key in informative:
            plan.problem(
                sheet.name,
                sheet.header_row,
                column.header,
                header,
                "该列出现了不止一次，请删除重复的列",
            )
            continue
        if column.field:
            found[key] = (index, column)
        else:
            informative.add(key)
    ok = True
    for column in ledger.sheets[sheet.name]:
        if column.required and (column.field or column.header) not in found | dict.fromkeys(
            informative
        ):
            plan.problem(
                sheet.name,
                sheet.header_row,
                column.header,
                "",
                "缺少必填列（表头须在同一行，请勿合并表头单元格）",
            )
            ok = False
    return found if ok else None


def transpose(sheet: Sheet, width: int) -> list[list[Any]]:
    rows = sheet.rows
    if not rows:
        return [[] for _ in range(width)]
    padded = [row if len(row) >= width else list(row) + [None] * (width - len(row)) for row in rows]
    return [list(column) for column in zip(*padded, strict=False)][:width]


def parse_sheet(
    plan: LedgerPlan,
    sheet: Sheet,
    today: dt.date,
    ledger: Ledger,
    reader_class: type[CellReader] = CellReader,
) -> tuple[dict[str, list[Any]], int] | None:
    """Every declared column of the sheet parsed: field → values by row index, and the row count;
    None when a required column is missing (the sheet cannot be checked row by row)."""
    columns = columns_of(plan, sheet, ledger)
    if columns is None:
        return None
    width = max((index for index, _ in columns.values()), default=-1) + 1
    by_column = transpose(sheet, width)
    reader = reader_class(plan, sheet, today)
    parsed = {
        name: reader.parse(column, by_column[index]) for name, (index, column) in columns.items()
    }
    reader.report()
    parsed["_failed"] = reader.failed
    return parsed, len(sheet.rows)


def duplicates(
    plan: LedgerPlan, sheet: Sheet, keys: list[str], column: str, what: str
) -> tuple[list[int], list[int]]:
    """Row indexes to keep; identical repeated rows are merged (and reported), differing rows
    with the same key are an error on the later row."""
    first: dict[str, int] = {}
    keep: list[int] = []
    merged: list[int] = []
    rows = sheet.rows
    for index, key in enumerate(keys):
        if not key:
            keep.append(index)
            continue
        seen = first.get(key)
        if seen is None:
            first[key] = index
            keep.append(index)
        elif [text_of(v) for v in rows[seen]] == [text_of(v) for v in rows[index]]:
            merged.append(index)
        else:
            plan.problem(
                sheet.name,
                sheet.first_row + index,
                column,
                key,
                f"与第{sheet.first_row + seen}行{what}重复但内容不同，{what}不能重复",
            )
    if merged:
        shown = "、".join(str(sheet.first_row + i) for i in merged[:20])
        plan.notices.append(
            f"“{sheet.name}”表第 {shown}{' 等' if len(merged) > 20 else ''} 行与前面的行完全相同，"
            f"已按一行导入（共 {len(merged)} 行）"
        )
    return keep, merged


def chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def common_prefix(codes: list[str]) -> str:
    """The org code all ``codes`` lie under, cut at a level boundary ("" when none)."""
    if not codes:
        return ""
    first, last = min(codes), max(codes)
    length = 0
    while length < len(first) and length < len(last) and first[length] == last[length]:
        length += 1
    for size in (12, 9, 6, 4, 2):
        if length >= size:
            return first[:size]
    return ""


def same(old: Any, new: Any) -> bool:
    """Whether a stored value and a parsed one are equal (Decimal "1.50" equals 1.5)."""
    if old == new:
        return True
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return Decimal(old) == Decimal(new)
        except (InvalidOperation, TypeError, ValueError):
            return False
    return False


def plain(value: Any) -> Any:
    """A value as it is kept in history (JSON): decimals as text, dates in ISO form."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
