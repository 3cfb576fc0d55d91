"""Writing the household files workbook in the import layout (streamed, see ledger.workbook)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from tuopin.households import codes
from tuopin.households.layout import (
    BASE_SHEET,
    HOUSEHOLD_FILES,
    MEASURE_SHEET,
    RELOCATION_SHEET,
    RENOVATION_SHEET,
)
from tuopin.households.models import Base, Measure, Relocation, Renovation
from tuopin.ledger import workbook
from tuopin.ledger.layout import Column

_RENAMED = {
    "household_no": "household__household_no",
    "place_code": "place__code",
    "base_code": "base__code",
    "site_code": "site__code",
}


def _converter(column: Column) -> Callable[[Any], Any] | None:
    if column.kind == "choice" and column.choices is not None:
        table = codes.labels(column.choices)
        return lambda value: table.get(value, value)
    if column.kind in ("date", "day"):
        return lambda value: "" if value is None else value.isoformat()
    if column.kind == "bool":
        return lambda value: "是" if value else "否"
    if column.kind == "money":
        return lambda value: float(value)
    return None


def _values(queryset, sheet: str, order: tuple[str, ...]):
    columns = HOUSEHOLD_FILES.sheets[sheet]
    names = [_RENAMED.get(column.field, column.field) for column in columns]
    return queryset.order_by(*order).values_list(*names).iterator()


def file_rows(households, counts: dict[str, int]) -> dict[str, Iterator[list[Any]]]:
    """The four sheets for ``households`` (bases: those linked to them or in their places)."""
    ids = households.values("pk")
    measures = Measure.objects.filter(household__in=ids)
    bases = Base.objects.filter(pk__in=measures.values("base_id"))
    sheets = {
        BASE_SHEET: (bases, ("code",)),
        MEASURE_SHEET: (measures, ("household__household_no", "done_on", "id")),
        RENOVATION_SHEET: (
            Renovation.objects.filter(household__in=ids),
            ("year", "household__household_no"),
        ),
        RELOCATION_SHEET: (
            Relocation.objects.filter(household__in=ids),
            ("household__household_no",),
        ),
    }
    return {
        name: workbook.converted_rows(
            HOUSEHOLD_FILES.sheets[name], _values(queryset, name, order), _converter, counts, name
        )
        for name, (queryset, order) in sheets.items()
    }


def stream_files(households, counts: dict[str, int] | None = None) -> Iterator[bytes]:
    return workbook.stream(HOUSEHOLD_FILES, file_rows(households, {} if counts is None else counts))


def write_files(target: str | Path | IO[bytes], households) -> dict[str, int]:
    counts: dict[str, int] = {}
    workbook.write_stream(stream_files(households, counts), target)
    return counts


def export_name(scope_name: str, on: dt.date) -> str:
    return f"帮扶档案-{scope_name}-{on:%Y%m%d}.xlsx"
