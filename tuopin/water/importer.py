"""Checking a water workbook and working out what it would change (nothing here writes).

Supply points are keyed by 供水点编号, served households by point + 户编号, test reports by 报告编号.
A re-import updates what changed; what the file does not name is never touched."""

from __future__ import annotations

from typing import Any

from tuopin.ledger.cells import CellReader, chunks, parse_sheet, text_of
from tuopin.ledger.keyed import Planned, Ref, SheetsPlan, compare, describe, in_scope
from tuopin.ledger.layout import Column, choice_lookup
from tuopin.ledger.reader import Sheet
from tuopin.lib import clock
from tuopin.org.models import Level, OrgUnit
from tuopin.projects.models import Project
from tuopin.registry.models import Household
from tuopin.water import codes
from tuopin.water.layout import (
    POINT_COLUMNS,
    POINT_SHEET,
    SERVICE_SHEET,
    TEST_COLUMNS,
    TEST_SHEET,
    WATER,
)
from tuopin.water.models import Service, SupplyPoint, WaterTest

_HEADERS = {c.field: c.header for c in (*POINT_COLUMNS, *TEST_COLUMNS)}
_HEADERS.update(village_id="所在村代码", project_id="建设项目编号", passed="结论")
_CONCLUSION = {"合格": True, "达标": True, "不合格": False, "不达标": False, "超标": False}
describe_counts = describe((("points", "供水点"), ("services", "受益农户"), ("tests", "检测报告")))


class WaterReader(CellReader):
    choice_tables = {
        codes.SupplyKind: choice_lookup(codes.SupplyKind, {"集中": "central", "分散": "dispersed"}),
        codes.SampleKind: choice_lookup(codes.SampleKind),
    }
    max_length = {"code": 40, "report_no": 40, "name": 100, "lab": 100, "source": 100}

    def _village_code(self, column: Column, raw: list[Any]) -> list[str]:
        values = self.texts(raw)
        for index, value in enumerate(values):
            if value and (len(value) != 12 or not value.isdigit()):
                self.fail(index, column, value, "应为12位村级统计用区划代码")
                values[index] = ""
        return values

    def _parameters(self, column: Column, raw: list[Any]) -> list[dict[str, str]]:
        out = []
        for index, text in enumerate(self.texts(raw)):
            values, problems = codes.parse_values(text) if text else ({}, [])
            for problem in problems:
                self.fail(index, column, text, problem)
            out.append(values)
        return out

    def _conclusion(self, column: Column, raw: list[Any]) -> list[bool | None]:
        out: list[bool | None] = []
        for index, text in enumerate(self.texts(raw)):
            if text == "":
                out.append(None)
            elif text in _CONCLUSION:
                out.append(_CONCLUSION[text])
            else:
                self.fail(index, column, text, "应填写“合格”或“不合格”")
                out.append(None)
        return out


def plan_import(sheets: dict[str, Sheet], *, user=None) -> SheetsPlan:
    plan = SheetsPlan()
    for sheet in sheets.values():
        plan.notices.extend(sheet.notices)
    today = clock.today()
    parsed = {
        name: parse_sheet(plan, sheet, today, WATER, WaterReader) for name, sheet in sheets.items()
    }
    if any(result is None for result in parsed.values()):
        return plan
    file_points: dict[str, str] = {}  # code → village code of points named in the file
    if POINT_SHEET in sheets:
        file_points = _points(plan, sheets[POINT_SHEET], parsed[POINT_SHEET][0], user)
    if SERVICE_SHEET in sheets:
        _services(plan, sheets[SERVICE_SHEET], parsed[SERVICE_SHEET][0], file_points, user)
    if TEST_SHEET in sheets:
        _tests(plan, sheets[TEST_SHEET], parsed[TEST_SHEET][0], file_points, user)
    if not plan.ok:
        plan.parts = []
    plan.summary = describe_counts(plan.counts)
    return plan


def _villages(codes_: set[str]) -> dict[str, OrgUnit]:
    return {
        unit.code: unit
        for chunk in chunks(sorted(codes_))
        for unit in OrgUnit.objects.filter(code__in=chunk, level=Level.VILLAGE)
    }


def _households(numbers: set[str]) -> dict[str, tuple[int, str]]:
    return {
        number: (pk, code)
        for chunk in chunks(sorted(numbers))
        for pk, number, code in Household.objects.filter(
            household_no__in=chunk, is_active=True
        ).values_list("pk", "household_no", "village__code")
    }


def _stored_points(codes_: set[str]) -> dict[str, tuple[int, str]]:
    return {
        code: (pk, village)
        for chunk in chunks(sorted(codes_))
        for pk, code, village in SupplyPoint.objects.filter(code__in=chunk).values_list(
            "pk", "code", "village__code"
        )
    }


def _points(plan: SheetsPlan, sheet: Sheet, columns: dict, user) -> dict[str, str]:
    failed = columns.pop("_failed")
    villages = _villages({c for c in columns["village_code"] if c})
    projects = dict(
        Project.objects.filter(
            code__in=[c for c in columns.get("project_code", []) if c]
        ).values_list("code", "pk")
    )
    stored = _stored_points({c for c in columns["code"] if c})
    seen: dict[str, int] = {}
    rows = []
    for index in range(len(sheet.rows)):
        row = sheet.first_row + index
        values = {name: columns[name][index] for name in columns}
        code = values["code"]
        if not code:
            continue
        if code in seen:
            plan.problem(sheet.name, row, "供水点编号", code, f"与第{seen[code]}行重复")
            continue
        seen[code] = row
        refused = failed.get(index, set())
        village = villages.get(values["village_code"])
        if values["village_code"] and village is None:
            plan.problem(
                sheet.name, row, "所在村代码", values["village_code"], "组织机构中没有这个村"
            )
            refused.add("village_code")
        elif village is not None and not in_scope(user, village.code):
            plan.problem(sheet.name, row, "所在村代码", village.code, "不在您的管辖范围内")
            refused.add("village_code")
        if code in stored and not in_scope(user, stored[code][1]):
            plan.problem(
                sheet.name, row, "供水点编号", code, "该供水点在您的管辖范围以外，不能修改"
            )
            refused.add("code")
        project_code = values.get("project_code", "")
        if project_code and project_code not in projects:
            plan.problem(sheet.name, row, "建设项目编号", project_code, "项目库中没有这个项目编号")
            refused.add("project_code")
        if refused:
            continue
        rows.append(
            (
                (code,),
                f"供水点 {code}",
                {
                    "code": code,
                    "name": values["name"],
                    "village_id": village.pk,
                    "kind": values["kind"],
                    "source": values.get("source", ""),
                    "scheme": values.get("scheme", ""),
                    "project_id": projects.get(project_code),
                },
            )
        )
        plan.place_codes.append(village.code)
    compare(plan, Planned("points", SupplyPoint, "village"), rows, ("code",), _HEADERS, _shown)
    return dict(_file_villages(rows))


def _file_villages(rows):
    ids = {record["village_id"] for _, _, record in rows}
    codes_ = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "code"))
    for _, _, record in rows:
        yield record["code"], codes_[record["village_id"]]


def _point_of(code: str, file_points: dict[str, str], stored: dict[str, tuple[int, str]]):
    """(point id or Ref, village code) of a point named by code, or None."""
    if code in file_points:
        found = stored.get(code)
        return (found[0] if found else Ref(SupplyPoint, "code", code)), file_points[code]
    if code in stored:
        return stored[code]
    return None


def _services(plan: SheetsPlan, sheet: Sheet, columns: dict, file_points: dict, user) -> None:
    columns.pop("_failed")
    stored = _stored_points({c for c in columns["point_code"] if c})
    households = _households({n for n in columns["household_no"] if n})
    seen: dict[tuple, int] = {}
    rows = []
    for index in range(len(sheet.rows)):
        row = sheet.first_row + index
        code, number = columns["point_code"][index], columns["household_no"][index]
        if not code or not number:
            continue
        point = _point_of(code, file_points, stored)
        if point is None:
            plan.problem(
                sheet.name, row, "供水点编号", code, "“供水点”表和已有台账中都没有这个供水点"
            )
            continue
        household = households.get(number)
        if household is None:
            plan.problem(
                sheet.name, row, "户编号", number, "建档立卡档案中没有这个户编号（或已注销）"
            )
            continue
        if not in_scope(user, household[1]):
            plan.problem(sheet.name, row, "户编号", number, "该户不在您的管辖范围内")
            continue
        key = (point[0], household[0])
        if (code, number) in seen:
            continue  # the same household listed twice for a point: once is enough
        seen[(code, number)] = row
        rows.append(
            (key, f"受益农户 {code}/{number}", {"point_id": key[0], "household_id": key[1]})
        )
        plan.place_codes.append(household[1])
    compare(
        plan,
        Planned("services", Service, "point__village"),
        rows,
        ("point_id", "household_id"),
        _HEADERS,
    )


def _tests(plan: SheetsPlan, sheet: Sheet, columns: dict, file_points: dict, user) -> None:
    failed = columns.pop("_failed")
    stored = _stored_points({c for c in columns.get("point_code", []) if c})
    households = _households({n for n in columns.get("household_no", []) if n})
    existing = {
        number: code
        for chunk in chunks(sorted({n for n in columns["report_no"] if n}))
        for number, code in WaterTest.objects.filter(report_no__in=chunk).values_list(
            "report_no", "village__code"
        )
    }
    village_ids = dict(
        OrgUnit.objects.filter(
            code__in={
                *file_points.values(),
                *(v for _, v in stored.values()),
                *(v for _, v in households.values()),
            }
        ).values_list("code", "pk")
    )
    seen: dict[str, int] = {}
    rows = []
    for index in range(len(sheet.rows)):
        row = sheet.first_row + index
        values = {name: columns[name][index] for name in columns}
        number = values["report_no"]
        if not number:
            continue
        if number in seen:
            plan.problem(sheet.name, row, "报告编号", number, f"与第{seen[number]}行报告编号重复")
            continue
        seen[number] = row
        refused = failed.get(index, set())
        code, household_no = values.get("point_code", ""), values.get("household_no", "")
        point = household = None
        village_code = ""
        if not code and not household_no:
            plan.problem(sheet.name, row, "供水点编号", "", "请填写供水点编号或户编号（至少一个）")
            refused.add("point_code")
        if code:
            point = _point_of(code, file_points, stored)
            if point is None:
                plan.problem(
                    sheet.name, row, "供水点编号", code, "“供水点”表和已有台账中都没有这个供水点"
                )
                refused.add("point_code")
            else:
                village_code = point[1]
        if household_no:
            household = households.get(household_no)
            if household is None:
                plan.problem(
                    sheet.name,
                    row,
                    "户编号",
                    household_no,
                    "建档立卡档案中没有这个户编号（或已注销）",
                )
                refused.add("household_no")
            else:
                village_code = household[1]
        if village_code and not in_scope(user, village_code):
            plan.problem(sheet.name, row, "报告编号", number, "检测对象不在您的管辖范围内")
            refused.add("report_no")
        if number in existing and not in_scope(user, existing[number]):
            plan.problem(sheet.name, row, "报告编号", number, "该报告在您的管辖范围以外，不能修改")
            refused.add("report_no")
        tested = values["values"]
        failures = codes.failures(tested) if "values" not in refused else []
        stated = values.get("conclusion")
        if stated is not None and "values" not in refused and stated != (not failures):
            reason = (
                f"结论为“合格”，但{'、'.join(failures)}超标"
                if stated
                else "结论为“不合格”，但所填检测指标均在限值内"
            )
            plan.problem(sheet.name, row, "结论", text_of("合格" if stated else "不合格"), reason)
            refused.add("conclusion")
        if refused:
            continue
        plan.place_codes.append(village_code)
        rows.append(
            (
                (number,),
                f"检测报告 {number}",
                {
                    "report_no": number,
                    "village_id": village_ids[village_code],
                    "point_id": point[0] if point else None,
                    "household_id": household[0] if household else None,
                    "tested_on": values["tested_on"],
                    "lab": values["lab"],
                    "sample": values.get("sample", ""),
                    "values": tested,
                    "passed": not failures,
                    "failed_items": "；".join(failures)[:500],
                },
            )
        )
    compare(plan, Planned("tests", WaterTest, "village"), rows, ("report_no",), _HEADERS, _shown)


_KINDS = codes.labels(codes.SupplyKind)


def _shown(name: str, value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if name == "kind":
        return _KINDS.get(value, str(value))
    if name == "passed":
        return "合格" if value else "不合格"
    if name == "values":
        return "；".join(f"{k}={v}" for k, v in value.items())
    return str(value)
