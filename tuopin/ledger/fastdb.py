"""Bulk writes for imports: COPY on PostgreSQL, executemany on SQLite.

Django's bulk_create builds a model instance per row and re-prepares every value; for a county
(~90k households, ~270k persons) that alone takes longer than reading the workbook. These helpers
take plain tuples whose values are already Python types the driver adapts (str, int, bool,
Decimal, date); datetimes and JSON must be passed through :func:`db_datetime` / :func:`db_json`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models

BATCH = 5000


@contextlib.contextmanager
def without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: an import allocates millions of small tuples and
    dicts that live until it ends, and every full collection would walk them all again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def db_datetime(value: dt.datetime | None) -> Any:
    if value is None:
        return None
    if connection.vendor == "postgresql":
        return value
    return connection.ops.adapt_datetimefield_value(value)


def db_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _columns(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in fields]


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` (tuples in ``fields`` order); ids come from the database."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(column) for column in _columns(model, fields))
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - quoted model names
        batch: list[Sequence] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence]) -> int:
    """``UPDATE … SET fields WHERE pk`` for each row (values in ``fields`` order, then the pk)."""
    if not rows:
        return 0
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    assignments = ", ".join(f"{qn(column)} = %s" for column in _columns(model, fields))
    pk = qn(model._meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 - quoted model names
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
    return len(rows)
