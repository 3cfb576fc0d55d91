"""Exporting a keyed ledger in its own import layout (streamed, see ledger.workbook): each
sheet is a queryset and, per declared column, the database path of its value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from tuopin.ledger import views as ledger_views
from tuopin.ledger import workbook
from tuopin.ledger.layout import Column, Ledger
from tuopin.lib import clock


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return "；".join(f"{k}={v}" for k, v in value.items())
    return value


def converter(extra: dict[str, Callable[[Any], Any]] | None = None):
    def convert(column: Column) -> Callable[[Any], Any]:
        if extra and column.field in extra:
            return extra[column.field]
        if column.choices is not None:
            labels = {value: str(label) for value, label in column.choices.choices}
            return lambda value: labels.get(value, value)
        return _cell

    return convert


def stream(
    ledger: Ledger,
    sheets: dict[str, tuple[Any, dict[str, str]]],
    extra: dict[str, Callable[[Any], Any]] | None = None,
) -> Iterator[bytes]:
    """``sheets``: sheet name → (queryset, {column field: database path}); a column whose field
    is not named is read from the field of the same name."""
    convert = converter(extra)
    counts: dict[str, int] = {}
    rows = {}
    for name, (queryset, paths) in sheets.items():
        columns = ledger.sheets[name]
        values = queryset.values_list(*[paths.get(c.field, c.field) for c in columns])
        rows[name] = workbook.converted_rows(columns, values.iterator(), convert, counts, name)
    return workbook.stream(ledger, rows)


def response(chunks: Iterator[bytes], title: str, scope_name: str) -> StreamingHttpResponse:
    answer = StreamingHttpResponse(chunks, content_type=ledger_views.XLSX_CONTENT_TYPE)
    answer["Content-Disposition"] = content_disposition_header(
        True, f"{title}-{scope_name}-{clock.today():%Y%m%d}.xlsx"
    )
    return answer


def scope_name(user) -> str:
    if user.scope_id is not None:
        return user.scope.name
    if user.unit_id is not None:
        return user.unit.name
    return "全部"
