"""Writing the registry workbook (the import layout) and the empty template.

The export is streamed (lib.xlsx_cells.streamed_workbook): rows come from the database through
``values_list().iterator()`` and leave as zipped bytes as they are read, so a county starts
downloading at once, and a county or a province exports in flat memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from tuopin.ledger import workbook
from tuopin.org.models import OrgUnit
from tuopin.org.privacy import Disclosure
from tuopin.registry import codes
from tuopin.registry.layout import (
    COLUMNS_BY_SHEET,
    HOUSEHOLD_SHEET,
    PERSON_SHEET,
    REGISTRY,
    VILLAGE_SHEET,
    Column,
)
from tuopin.registry.models import Person, VillageFacts

CODE_SHEET = REGISTRY.code_sheet
TEMPLATE_ROWS = REGISTRY.template_rows
_SEX = codes.labels(codes.Sex)
_CHOICE_LABELS = {
    column.field: codes.labels(column.choices)
    for columns in COLUMNS_BY_SHEET.values()
    for column in columns
    if column.choices
}
_CAUSE_LABELS = codes.labels(codes.PovertyCause)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _iso(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


def _converter(column: Column, shown: Disclosure) -> Callable[[Any], Any] | None:
    """How a column's database value becomes its cell, decided once per column (a county has
    millions of cells); None: the value is the cell (text, a number, None for an empty cell)."""
    kind = column.kind
    if kind == "id_number":
        return lambda value: shown.citizen_id(value or "")
    if kind == "phone":
        return lambda value: shown.phone(value or "")
    if column.header == "出生日期":
        return lambda value: _iso(shown.birth_date(value))
    if column.header == "性别":
        return lambda value: _SEX.get(value, "")
    if kind == "bool":
        return _yes_no
    if kind == "choice":
        labels = _CHOICE_LABELS[column.field]
        return lambda value: labels.get(value, value) if value else ""
    if kind == "causes":
        return lambda value: "、".join(_CAUSE_LABELS.get(code, code) for code in value or [])
    if kind == "date":
        return _iso
    return None


def _cells(
    columns: tuple[Column, ...],
    rows: Iterable[tuple],
    shown: Disclosure,
    counts: dict[str, int],
    key: str,
) -> Iterator[list[Any]]:
    return workbook.converted_rows(
        columns, rows, lambda column: _converter(column, shown), counts, key
    )


_lay_out = workbook.lay_out(REGISTRY)


def _village_rows(villages: Iterable[OrgUnit]) -> Iterable[tuple]:
    facts = {f.village_id: f for f in VillageFacts.objects.filter(village__in=villages)}
    for village in villages:
        fact = facts.get(village.pk)
        if fact is None:
            yield (
                village.code,
                village.name,
                village.is_poor_village,
                None,
                None,
                None,
                None,
                None,
                None,
            )
            continue
        yield (
            village.code,
            village.name,
            village.is_poor_village,
            fact.paved_road,
            fact.standard_clinic,
            fact.collective_economy,
            fact.natural_villages_30plus,
            fact.natural_villages_30plus_with_power,
            fact.tap_water,
        )


def _household_fields() -> list[str]:
    names = []
    for column in COLUMNS_BY_SHEET[HOUSEHOLD_SHEET]:
        if column.header == "家庭人口":
            names.append("member_count")
        elif column.field == "village_id":
            names.append("village__code")
        else:
            names.append(column.field)
    return names


def _person_fields() -> list[str]:
    names = []
    for column in COLUMNS_BY_SHEET[PERSON_SHEET]:
        if column.field == "household_no":
            names.append("household__household_no")
        elif column.header == "性别":
            names.append("sex")
        elif column.header == "出生日期":
            names.append("birth_date")
        else:
            names.append(column.field)
    return names


def registry_rows(
    villages: list[OrgUnit], households, shown: Disclosure, counts: dict[str, int]
) -> dict[str, Iterator[list[Any]]]:
    """The cells of each sheet's data rows, read lazily; ``counts`` receives the rows per sheet."""
    active = households.filter(is_active=True)
    household_rows = (
        active.order_by("household_no").values_list(*_household_fields()).iterator(chunk_size=5000)
    )
    person_rows = (
        Person.objects.filter(household__in=active.values("pk"), is_active=True)
        .order_by("household__household_no", "relationship", "id")
        .values_list(*_person_fields())
        .iterator(chunk_size=5000)
    )
    sources = (
        (VILLAGE_SHEET, _village_rows(villages), "villages"),
        (HOUSEHOLD_SHEET, household_rows, "households"),
        (PERSON_SHEET, person_rows, "persons"),
    )
    return {
        name: _cells(COLUMNS_BY_SHEET[name], rows, shown, counts, key)
        for name, rows, key in sources
    }


def stream_registry(
    *,
    villages: list[OrgUnit],
    households,
    shown: Disclosure,
    counts: dict[str, int] | None = None,
) -> Iterator[bytes]:
    """The workbook of the 村/户/人 sheets for ``villages`` and the ``households`` queryset (active
    only), produced while its rows are read; personal fields as ``shown`` allows (masked: no
    birth date either, see org.privacy). ``counts`` receives the rows written per sheet."""
    counts = {} if counts is None else counts
    return workbook.stream(REGISTRY, registry_rows(villages, households, shown, counts))


def write_registry(
    target: str | Path | IO[bytes], *, villages: list[OrgUnit], households, shown: Disclosure
) -> dict[str, int]:
    """:func:`stream_registry` into a file; returns the rows written per sheet."""
    counts: dict[str, int] = {}
    chunks = stream_registry(villages=villages, households=households, shown=shown, counts=counts)
    workbook.write_stream(chunks, target)
    return counts


def write_template(target: str | Path | IO[bytes]) -> None:
    """The empty workbook with headers (required ones highlighted) and drop-down lists."""
    workbook.write_template(target, REGISTRY)
