"""A ledger's declaration: its sheets, their Chinese headers, the field behind each column and
the code lists. One declaration drives import, export and the template, so they never drift."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # model field (attname) the column fills; "" for informative export-only columns
    kind: str  # the cell kind a reader parses it as (text, name, bool, choice, money, date, …)
    required: bool = False
    choices: type[models.TextChoices] | None = None
    blank_ok: bool = True  # may a present cell be empty?
    aliases: tuple[str, ...] = field(default=())


_HEADER_TABLE = str.maketrans(
    {"(": "（", ")": "）", " ": None, "\u3000": None, "\n": None, "*": None}
)


def normalize_header(value: object) -> str:
    """Headers as people type them: spaces, line breaks, ASCII brackets, a required-mark “*”."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).translate(_HEADER_TABLE).strip()


def choice_lookup(choices: type[models.TextChoices], aliases: dict[str, str] | None = None):
    """Everything accepted for a code list (label, code, aliases) → stored code."""
    table: dict[str, str] = {}
    for value, label in choices.choices:
        table[value] = value
        table[str(label)] = value
    table.update(aliases or {})
    return table


@dataclass(frozen=True)
class Ledger:
    """What a ledger declares. ``sheets`` maps each sheet name to its columns, in file order."""

    key: str  # short name, e.g. "registry", "projects"
    title: str  # 建档立卡档案, 项目库
    sheets: dict[str, tuple[Column, ...]]
    notes: tuple[str, ...] = ()  # the template's 填表说明 lines
    text_kinds: tuple[str, ...] = ("text",)  # kinds whose template column is formatted as text
    wide_kinds: tuple[str, ...] = ("text",)  # kinds given a wide template column
    no_dropdown_kinds: tuple[str, ...] = ()  # choice-like kinds without a drop-down
    template_rows: int = 5000  # rows that get drop-down lists in the template
    code_sheet: str = "代码表"
    missing_sheets_hint: str = "请使用下载的模板"
    labels: Callable[[type[models.TextChoices]], list[str]] | None = None

    @property
    def sheet_names(self) -> tuple[str, ...]:
        return tuple(self.sheets)

    def header_lookup(self, sheet: str) -> dict[str, Column]:
        table: dict[str, Column] = {}
        for column in self.sheets[sheet]:
            table[normalize_header(column.header)] = column
            for alias in column.aliases:
                table[normalize_header(alias)] = column
        return table
