"""Checking a project and fund workbook and working out what it would change (the plan).

Nothing here writes; :func:`tuopin.projects.actions.apply_import` writes a plan without problems
(``ledger.keyed``, which also compares the rows with what is stored). Projects are keyed by
项目编号, fund rows by 项目编号 + 资金来源 + 下达文号: a re-import updates what changed and says
so, and projects the file does not name are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tuopin.ledger.cells import CellReader, chunks, parse_sheet
from tuopin.ledger.keyed import Planned, Ref, SheetsPlan, compare
from tuopin.ledger.layout import Column, choice_lookup
from tuopin.ledger.reader import Sheet
from tuopin.lib import clock
from tuopin.org.models import Level, OrgUnit, ResponsibleUnit
from tuopin.projects.codes import FundSource, ProjectKind, labels
from tuopin.projects.layout import FUND_SHEET, PROJECT_COLUMNS, PROJECT_SHEET, PROJECTS
from tuopin.projects.models import FundAllocation, Project

ACTIONS = 19
PROJECT_FIELDS = (
    "name",
    "kind",
    "place_id",
    "unit_id",
    "action_number",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "accepted_on",
    "reimbursed_on",
    "households",
    "persons",
)
_HEADERS = {c.field: c.header for c in PROJECT_COLUMNS}
_HEADERS.update(
    place_id="所在地代码",
    unit_id="责任单位",
    allocated="下达金额（万元）",
    disbursed="已拨付（万元）",
)
_HEADERS.update(allocated_on="下达日期", reimbursed="已报账（万元）")
_KIND_LABELS = labels(ProjectKind)
_SOURCE_LABELS = labels(FundSource)


@dataclass
class ProjectPlan(SheetsPlan):
    """The keyed sheets' plan: projects, then fund rows (``parts``, written in that order)."""


class ProjectReader(CellReader):
    """The engine's cells plus place codes, action numbers and amounts in 万元."""

    choice_tables = {ProjectKind: choice_lookup(ProjectKind), FundSource: choice_lookup(FundSource)}
    max_length = {"code": 40, "name": 200, "unit_name": 100, "document_no": 100, "project_code": 40}

    def _place_code(self, column: Column, raw: list[Any]) -> list[str]:
        values = self.texts(raw)
        for index, value in enumerate(values):
            if value and (len(value) not in (6, 9, 12) or not value.isdigit()):
                self.fail(index, column, value, "应为县（6位）、镇（9位）或村（12位）区划代码")
                values[index] = ""
        return values

    def _action(self, column: Column, raw: list[Any]) -> list[Any]:
        return self._integers(column, raw, 1, ACTIONS)

    def _wan(self, column: Column, raw: list[Any]) -> list[Any]:
        return self._decimal(column, raw, "0.0001", Decimal("100000000"))


def _unit_names() -> dict[str, int]:
    """Every name a responsible unit is known by (full name, short name, aliases) → id."""
    table: dict[str, int] = {}
    for pk, short, aliases in ResponsibleUnit.objects.filter(is_active=True).values_list(
        "pk", "short_name", "aliases"
    ):
        for known in (short, *(aliases or [])):
            if known:
                table.setdefault(known, pk)
    for pk, name in ResponsibleUnit.objects.filter(is_active=True).values_list("pk", "name"):
        table[name] = pk
    return table


def _in_scope(user, code: str) -> bool:
    if user is None or user.is_superuser:
        return True
    return user.scope_id is not None and code.startswith(user.scope.code)


def plan_import(sheets: dict[str, Sheet], *, user=None) -> ProjectPlan:
    """Check every cell and rule and compute the changes; write nothing."""
    plan = ProjectPlan()
    for sheet in sheets.values():
        plan.notices.extend(sheet.notices)
    today = clock.today()
    parsed = {
        name: parse_sheet(plan, sheet, today, PROJECTS, ProjectReader)
        for name, sheet in sheets.items()
    }
    if any(result is None for result in parsed.values()):
        return plan  # a required column is missing: rows cannot be checked
    file_codes: dict[str, int] = {}
    if PROJECT_SHEET in sheets:
        file_codes = _plan_projects(plan, sheets[PROJECT_SHEET], parsed[PROJECT_SHEET][0], user)
    if FUND_SHEET in sheets:
        _plan_funds(plan, sheets[FUND_SHEET], parsed[FUND_SHEET][0], file_codes, user)
    if not plan.ok:
        plan.parts = []
    plan.summary = describe(plan.counts)
    return plan


def _plan_projects(
    plan: ProjectPlan, sheet: Sheet, columns: dict[str, list[Any]], user
) -> dict[str, int]:
    """Check the 项目 sheet; returns 项目编号 → row index of the projects it holds."""
    failed = columns.pop("_failed")
    rows = len(sheet.rows)
    codes = columns["code"]
    place_codes = {c for c in columns["place_code"] if c}
    places = {
        unit.code: unit
        for chunk in chunks(sorted(place_codes))
        for unit in OrgUnit.objects.filter(
            code__in=chunk, level__in=(Level.COUNTY, Level.TOWN, Level.VILLAGE)
        )
    }
    units = _unit_names()
    stored_places = {  # the scope of projects already in the ledger
        code: place
        for chunk in chunks(sorted({c for c in codes if c}))
        for code, place in Project.objects.filter(code__in=chunk).values_list("code", "place__code")
    }
    seen: dict[str, int] = {}
    planned = []
    for index in range(rows):
        row = sheet.first_row + index
        code = codes[index]
        if not code:
            continue
        if code in seen:
            plan.problem(
                sheet.name,
                row,
                "项目编号",
                code,
                f"与第{sheet.first_row + seen[code]}行项目编号重复，项目编号不能重复",
            )
            continue
        seen[code] = index
        values = {name: columns[name][index] for name in columns}
        refused = failed.get(index, set())
        place = places.get(values["place_code"])
        if values["place_code"] and place is None:
            plan.problem(
                sheet.name,
                row,
                "所在地代码",
                values["place_code"],
                "组织机构中没有这个县、镇或村代码",
            )
            refused.add("place_code")
        elif place is not None and not _in_scope(user, place.code):
            plan.problem(sheet.name, row, "所在地代码", place.code, "不在您的管辖范围内")
            refused.add("place_code")
        unit_id = units.get(values["unit_name"])
        if values["unit_name"] and unit_id is None:
            plan.problem(
                sheet.name, row, "责任单位", values["unit_name"], "不是已登记的责任单位名称"
            )
            refused.add("unit_name")
        _check_dates(plan, sheet.name, row, values, refused)
        stored = stored_places.get(code)
        if stored is not None and not _in_scope(user, stored):
            plan.problem(sheet.name, row, "项目编号", code, "该项目在您的管辖范围以外，不能修改")
            refused.add("code")
        if refused:
            continue
        record = {"code": code}
        record.update((name, values[name]) for name in PROJECT_FIELDS if name in values)
        record.update(place_id=place.pk, unit_id=unit_id)
        plan.place_codes.append(place.code)
        planned.append(((code,), f"项目 {code}（{record['name']}）", record))
    compare(plan, Planned("projects", Project, "place"), planned, ("code",), _HEADERS, _shown)
    return seen


def _check_dates(plan: ProjectPlan, sheet: str, row: int, values: dict, refused: set) -> None:
    pairs = (
        ("planned_start", "planned_end", "计划完工", "计划完工不能早于计划开工"),
        ("actual_start", "actual_end", "实际完工", "实际完工不能早于实际开工"),
        ("actual_end", "accepted_on", "验收日期", "验收日期不能早于实际完工"),
        ("accepted_on", "reimbursed_on", "报账日期", "报账日期不能早于验收日期"),
    )
    for first, then, header, reason in pairs:
        if values.get(first) and values.get(then) and values[then] < values[first]:
            plan.problem(sheet, row, header, values[then], reason)
            refused.add(then)
    needs = (
        ("actual_end", "actual_start", "实际完工", "填了实际完工，请同时填写实际开工"),
        ("accepted_on", "actual_end", "验收日期", "填了验收日期，请同时填写实际完工"),
        ("reimbursed_on", "accepted_on", "报账日期", "填了报账日期，请同时填写验收日期"),
    )
    for later, earlier, header, reason in needs:
        if values.get(later) and not values.get(earlier) and later not in refused:
            plan.problem(sheet, row, header, values[later], reason)
            refused.add(later)


def _plan_funds(
    plan: ProjectPlan,
    sheet: Sheet,
    columns: dict[str, list[Any]],
    file_projects: dict[str, int],
    user,
) -> None:
    failed = columns.pop("_failed")
    codes = columns["project_code"]
    known = {
        code: (pk, place_code)
        for chunk in chunks(sorted({c for c in codes if c}))
        for pk, code, place_code in Project.objects.filter(code__in=chunk).values_list(
            "pk", "code", "place__code"
        )
    }
    seen: dict[tuple[str, str, str], int] = {}
    planned = []
    for index in range(len(sheet.rows)):
        row = sheet.first_row + index
        values = {name: columns[name][index] for name in columns}
        code = values["project_code"]
        refused = failed.get(index, set())
        if not code:
            continue
        if code not in file_projects and code not in known:
            plan.problem(
                sheet.name, row, "项目编号", code, "“项目”表和已有台账中都没有这个项目编号"
            )
            continue
        if code not in file_projects and not _in_scope(user, known[code][1]):
            plan.problem(sheet.name, row, "项目编号", code, "该项目在您的管辖范围以外，不能修改")
            continue
        key = (code, values["source"], values.get("document_no", ""))
        if key in seen:
            plan.problem(
                sheet.name,
                row,
                "下达文号",
                key[2],
                f"与第{sheet.first_row + seen[key]}行的项目编号、资金来源和下达文号都相同，"
                "同一笔资金只能填一行",
            )
            continue
        seen[key] = index
        allocated = values["allocated"]
        disbursed = values.get("disbursed", Decimal(0))
        reimbursed = values.get("reimbursed", Decimal(0))
        if "disbursed" not in refused and "allocated" not in refused and disbursed > allocated:
            plan.problem(
                sheet.name, row, "已拨付（万元）", disbursed, f"已拨付超过下达金额 {allocated}"
            )
            refused.add("disbursed")
        if "reimbursed" not in refused and "disbursed" not in refused and reimbursed > disbursed:
            plan.problem(
                sheet.name, row, "已报账（万元）", reimbursed, f"已报账超过已拨付 {disbursed}"
            )
            refused.add("reimbursed")
        if refused:
            continue
        # a project new in this file is known by its code until it is written
        project = known[code][0] if code in known else Ref(Project, "code", code)
        record = {
            "project_id": project,
            "source": key[1],
            "document_no": key[2],
            "allocated_on": values["allocated_on"],
            "allocated": allocated,
            "disbursed": disbursed,
            "reimbursed": reimbursed,
        }
        label = f"资金 {code} {_SOURCE_LABELS.get(key[1], key[1])} {key[2]}".strip()
        planned.append(((project, key[1], key[2]), label, record))
    compare(
        plan,
        Planned("funds", FundAllocation, "project__place"),
        planned,
        ("project_id", "source", "document_no"),
        _HEADERS,
        _shown,
    )


def _shown(name: str, value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if name == "kind":
        return _KIND_LABELS.get(value, str(value))
    if name == "place_id":
        return OrgUnit.objects.filter(pk=value).values_list("name", flat=True).first() or str(value)
    if name == "unit_id":
        return ResponsibleUnit.objects.filter(pk=value).values_list(
            "name", flat=True
        ).first() or str(value)
    return str(value)


def describe(counts: dict[str, int]) -> str:
    """The change summary in one line."""
    return (
        f"项目 新增 {counts.get('projects_added', 0)}，修改 {counts.get('projects_changed', 0)}，"
        f"未变 {counts.get('projects_unchanged', 0)}；资金 新增 {counts.get('funds_added', 0)}，"
        f"修改 {counts.get('funds_changed', 0)}，未变 {counts.get('funds_unchanged', 0)}"
    )
