"""Writing the project and fund workbook in the import layout (streamed, see ledger.workbook)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from tuopin.ledger import workbook
from tuopin.ledger.layout import Column
from tuopin.projects.codes import FundSource, ProjectKind, labels
from tuopin.projects.layout import (
    FUND_COLUMNS,
    FUND_SHEET,
    PROJECT_COLUMNS,
    PROJECT_SHEET,
    PROJECTS,
)
from tuopin.projects.models import FundAllocation

_LABELS = {"kind": labels(ProjectKind), "source": labels(FundSource)}
# The database value behind each column (in column order).
_PROJECT_VALUES = {"place_code": "place__code", "unit_name": "unit__name"}
_FUND_VALUES = {"project_code": "project__code"}


def _converter(column: Column) -> Callable[[Any], Any] | None:
    if column.kind == "choice":
        table = _LABELS[column.field]
        return lambda value: table.get(value, value)
    if column.kind in ("date", "day"):
        return lambda value: "" if value is None else value.isoformat()
    if column.kind == "wan":
        return lambda value: float(value)
    return None


def _fields(columns: tuple[Column, ...], renamed: dict[str, str]) -> list[str]:
    return [renamed.get(column.field, column.field) for column in columns]


def project_rows(projects, counts: dict[str, int]) -> dict[str, Iterator[list[Any]]]:
    project_values = projects.order_by("code").values_list(
        *_fields(PROJECT_COLUMNS, _PROJECT_VALUES)
    )
    fund_values = (
        FundAllocation.objects.filter(project__in=projects.values("pk"))
        .order_by("project__code", "allocated_on", "id")
        .values_list(*_fields(FUND_COLUMNS, _FUND_VALUES))
    )
    return {
        PROJECT_SHEET: workbook.converted_rows(
            PROJECT_COLUMNS, project_values.iterator(), _converter, counts, "projects"
        ),
        FUND_SHEET: workbook.converted_rows(
            FUND_COLUMNS, fund_values.iterator(), _converter, counts, "funds"
        ),
    }


def stream_projects(projects, counts: dict[str, int] | None = None) -> Iterator[bytes]:
    return workbook.stream(PROJECTS, project_rows(projects, {} if counts is None else counts))


def write_projects(target: str | Path | IO[bytes], projects) -> dict[str, int]:
    counts: dict[str, int] = {}
    workbook.write_stream(stream_projects(projects, counts), target)
    return counts


def export_name(scope_name: str, on: dt.date) -> str:
    return f"项目资金台账-{scope_name}-{on:%Y%m%d}.xlsx"
