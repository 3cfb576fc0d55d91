"""The registry export streams: the first bytes leave before the persons are read, and the file
is the one XlsxWriter writes for the same rows (the export before streaming)."""

from __future__ import annotations

import io
import re
import zipfile

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.lib import xlsx_cells
from tuopin.org.privacy import UNMASKED
from tuopin.registry import exporter
from tuopin.registry.models import Household, PersonalDataView


def _sheets(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return [
            re.sub(
                r'<dimension ref="[^"]*"/>', "", book.read(f"xl/worksheets/sheet{n}.xml").decode()
            )
            for n in (1, 2, 3)
        ]


def _written_whole(villages) -> bytes:
    """The same rows through XlsxWriter's own writer, the file complete before any byte."""
    buffer = io.BytesIO()
    book = xlsx_cells.workbook(buffer, constant_memory=True)
    exporter._lay_out(book)
    sheets = {sheet.name: sheet for sheet in book.worksheets()}
    rows = exporter.registry_rows(villages, Household.objects.all(), UNMASKED, {})
    for name, cells in rows.items():
        for number, row in enumerate(cells, start=1):
            xlsx_cells.write_row(sheets[name], number, 0, row)
    book.close()
    return buffer.getvalue()


def test_the_first_bytes_leave_before_the_persons_are_read(registry, login):
    response = login(registry.hq).get("/registry/export/", {"scope": registry.county.code})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        first = next(chunks)
    assert first.startswith(b"PK\x03\x04")
    assert not any("registry_person" in query["sql"] for query in queries.captured_queries)
    with CaptureQueriesContext(connection) as queries:
        rest = b"".join(chunks)
    assert any("registry_person" in query["sql"] for query in queries.captured_queries)
    assert len(rest) > 10 * len(first)
    # The unmasked download was logged once, when it was handed out.
    assert PersonalDataView.objects.filter(user=registry.hq, via="export").count() == 1


def test_the_streamed_export_is_the_workbook_written_whole(registry, login):
    response = login(registry.hq).get("/registry/export/", {"scope": registry.county.code})
    streamed = b"".join(response.streaming_content)
    villages = [
        registry.cg_village,
        registry.cg_village2,
        registry.df_village,
        registry.df_village2,
    ]
    assert _sheets(streamed) == _sheets(_written_whole(villages))
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
