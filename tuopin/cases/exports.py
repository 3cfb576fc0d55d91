"""Ledger workbooks (.xlsx) in the layout offices keep: one row per case, office column order."""

from __future__ import annotations

import io

from django.db.models import QuerySet

from tuopin.cases.models import Case, Kind, State
from tuopin.lib import clock, xlsx_cells
from tuopin.org import privacy

HEADERS = [
    ("序号", 6),
    ("编号", 14),
    ("类别", 9),
    ("来源", 10),
    ("反映人/被反映对象", 18),
    ("问题所在地", 12),
    ("问题内容", 48),
    ("责任单位", 14),
    ("登记时间", 17),
    ("办理时限", 17),
    ("办理状态", 10),
    ("办结时间", 17),
    ("是否超期", 9),
    ("督办次数", 9),
    ("群众评价", 10),
    ("办理结果", 40),
]


def _who(case: Case, output: privacy.Output) -> str:
    parts = []
    if case.reporter_name:
        shown = output.of(case)
        parts.append(f"{shown.name(case.reporter_name)} {shown.phone(case.reporter_phone)}".strip())
    if case.subject:
        parts.append(f"被反映：{case.subject}")
    return "；".join(parts)


def ledger_workbook(cases: QuerySet[Case], *, title: str, shown: privacy.Output) -> bytes:
    """The ledger of ``cases`` as .xlsx bytes; reporters as org.privacy shows them per case."""
    now = clock.now()
    cases = cases.select_related("unit", "org_unit").prefetch_related("clocks", "ratings")
    buffer = io.BytesIO()
    workbook = xlsx_cells.workbook(buffer, in_memory=True, remove_timezone=True)
    sheet = workbook.add_worksheet("台账")
    heading = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = workbook.add_format(
        {
            "bold": True,
            "border": 1,
            "bg_color": "#EEF1F4",
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
        }
    )
    cell = workbook.add_format({"border": 1, "valign": "top", "text_wrap": True})
    when = workbook.add_format({"border": 1, "valign": "top", "num_format": "yyyy-mm-dd hh:mm"})
    late = workbook.add_format(
        {"border": 1, "valign": "top", "font_color": "#C62828", "bold": True}
    )
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1, title, heading)
    write = xlsx_cells.write_cell
    write(sheet, 1, 0, f"导出时间：{now:%Y-%m-%d %H:%M}")
    for column, (label, width) in enumerate(HEADERS):
        write(sheet, 2, column, label, head)
        sheet.set_column(column, column, width)
    sheet.freeze_panes(3, 2)
    row = 3
    for number, case in enumerate(cases, start=1):
        clocks = list(case.clocks.all())
        running = next((c for c in clocks if c.ended_at is None), None)
        deadline = running.deadline if running else None
        overdue = any(c.is_breached(now) for c in clocks)
        rating = next((r for r in case.ratings.all() if r.round == case.round), None)
        values = [
            number,
            case.number,
            case.get_kind_display(),
            case.get_source_display(),
            _who(case, shown),
            case.org_unit.name,
            f"{case.title}\n{case.content}",
            case.unit.name if case.unit_id else "",
        ]
        xlsx_cells.write_row(sheet, row, 0, values, cell)
        write(sheet, row, 8, clock.local(case.registered_at), when)
        if deadline is not None:
            write(sheet, row, 9, clock.local(deadline), when)
        else:
            write(sheet, row, 9, "不限时" if running else "", cell)
        state = case.get_state_display() + ("（暂停计时）" if case.is_paused else "")
        write(sheet, row, 10, state, cell)
        if case.resolved_at:
            write(sheet, row, 11, clock.local(case.resolved_at), when)
        else:
            write(sheet, row, 11, "", cell)
        write(sheet, row, 12, "是" if overdue else "否", late if overdue else cell)
        write(sheet, row, 13, case.escalation_count, cell)
        write(sheet, row, 14, rating.get_rating_display() if rating else "", cell)
        write(sheet, row, 15, case.resolution if case.state != State.REOPENED else "", cell)
        row += 1
    sheet.autofilter(2, 0, max(row - 1, 2), len(HEADERS) - 1)
    workbook.close()
    return buffer.getvalue()


def ledger_title(kind: str | None, scope_name: str) -> str:
    what = Kind(kind).label if kind else "问题、信访、督查和整改"
    return f"{scope_name}{what}台账"
