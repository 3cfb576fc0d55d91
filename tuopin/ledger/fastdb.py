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
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    # SQLite: many rows per INSERT statement (bound parameters within the 999 Django assumes),
    # about twice as fast as one executemany step per row; sent on the driver's own cursor in
    # its own "?" style, since Django would rewrite each long statement's placeholders again
    connection.ensure_connection()
    raw = connection.connection.cursor()
    one = "(" + ", ".join(["?"] * len(fields)) + ")"
    per = max(1, 999 // len(fields))
    head = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 - quoted model names
    full = head + ", ".join([one] * per)
    batch: list[Any] = []
    size = 0
    try:
        for row in rows:
            batch.extend(row)
            size += 1
            if size == per:
                raw.execute(full, batch)
                count += size
                batch, size = [], 0
        if size:
            raw.execute(head + ", ".join([one] * size), batch)
            count += size
    finally:
        raw.close()
    return count


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys for ``model``, taken from the database inside the current
    transaction, so rows inserted with them are known without reading them back.

    PostgreSQL draws them from the table's sequence (unique even for concurrent imports).
    SQLite has one writer at a time (transactions here ``BEGIN IMMEDIATE``, so the write lock is
    held from the start): the keys after the largest ever used (``sqlite_sequence``, Django's
    tables are AUTOINCREMENT) are free, and inserting them moves the sequence on. Should another
    writer slip in anyway, the insert fails (a busy snapshot or a duplicate key) and the import
    rolls back; rows are never mistaken for another import's."""
    if count <= 0:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("reserve_ids needs a transaction")
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        qn = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({qn(model._meta.pk.column)}) FROM {qn(table)}")  # noqa: S608
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        top = max(top, found[0] if found and found[0] else 0)
    return list(range(top + 1, top + 1 + count))


def insert_new(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence]
) -> list[int]:
    """Insert ``rows`` like :func:`insert_rows` and return their primary keys, in row order."""
    ids = reserve_ids(model, len(rows))
    insert_rows(
        model,
        [model._meta.pk.attname, *fields],
        ((pk, *row) for pk, row in zip(ids, rows, strict=True)),
    )
    return ids


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
