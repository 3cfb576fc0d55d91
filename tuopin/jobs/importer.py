"""Checking an employment or collective-economy workbook and working out what it would change.

Nothing here writes (``tuopin.ledger.keyed.apply`` writes a plan without problems). Keys: a spell
by 证件号码 + 开始日期, a job fair / training / post by its 编号, attendance by training + person,
an organisation by village + year + name, income by village + year + source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tuopin.jobs import codes
from tuopin.jobs.layout import (
    ATTEND_COLUMNS,
    ATTEND_SHEET,
    COOP_COLUMNS,
    COOP_SHEET,
    ECONOMY,
    FAIR_COLUMNS,
    FAIR_SHEET,
    INCOME_COLUMNS,
    INCOME_SHEET,
    JOBS,
    POST_COLUMNS,
    POST_SHEET,
    SPELL_COLUMNS,
    SPELL_SHEET,
    TRAINING_COLUMNS,
    TRAINING_SHEET,
)
from tuopin.jobs.models import Attendance, Cooperative, Income, JobFair, Post, Spell, Training
from tuopin.ledger.cells import CellReader, chunks, parse_sheet
from tuopin.ledger.keyed import Planned, Ref, SheetsPlan, compare, describe, in_scope
from tuopin.ledger.layout import Column, choice_lookup
from tuopin.ledger.reader import Sheet
from tuopin.lib import clock
from tuopin.lib.citizen_id import mask
from tuopin.org.models import Level, OrgUnit
from tuopin.registry.models import Person

describe_jobs = describe(
    (
        ("spells", "务工"),
        ("fairs", "招聘会"),
        ("trainings", "培训"),
        ("attendance", "培训人员"),
        ("posts", "公益岗位"),
    )
)
describe_economy = describe((("coops", "集体经济组织"), ("income", "集体收入")))
FAR_FUTURE = dt.date(9999, 12, 31)


class JobsReader(CellReader):
    choice_tables = {
        choices: choice_lookup(choices)
        for choices in (
            codes.WorkPlace,
            codes.Channel,
            codes.TrainingKind,
            codes.PostKind,
            codes.CoopKind,
            codes.IncomeSource,
        )
    }
    choice_tables[codes.TrainingKind]["两后生"] = "lianghou"
    choice_tables[codes.CoopKind]["股份合作社"] = "shareholding"
    max_length = {"code": 40, "name": 100, "employer": 100, "place": 100, "outside_reason": 200}

    def _citizen(self, column: Column, raw: list[Any]) -> list[str]:
        values = [value.upper().replace(" ", "") for value in self.texts(raw)]
        for index, value in enumerate(values):
            if value and (len(value) not in (15, 18) or not value[:-1].isdigit()):
                self.fail(index, column, mask(value), "证件号码应为15位或18位")
                values[index] = ""
        return values

    def _place_code(self, column: Column, raw: list[Any]) -> list[str]:
        values = self.texts(raw)
        village_only = column.field == "village_code"
        for index, value in enumerate(values):
            lengths = (12,) if village_only else (6, 9, 12)
            if value and (len(value) not in lengths or not value.isdigit()):
                what = "12位村级" if village_only else "县（6位）、镇（9位）或村（12位）"
                self.fail(index, column, value, f"应为{what}统计用区划代码")
                values[index] = ""
        return values

    def _year(self, column: Column, raw: list[Any]) -> list[Any]:
        return self._integers(column, raw, 2000, self.today.year)

    def _wan(self, column: Column, raw: list[Any]) -> list[Any]:
        return self._decimal(column, raw, "0.0001", Decimal("100000000"))


class _Context:
    """What one plan looks up once: persons by citizen ID, org units by code."""

    def __init__(self, plan: SheetsPlan, user) -> None:
        self.plan = plan
        self.user = user
        self.persons: dict[str, tuple[int, int, str]] = {}
        self.units: dict[str, OrgUnit] = {}

    def load_persons(self, numbers: set[str]) -> None:
        for chunk in chunks(sorted(numbers - set(self.persons))):
            for pk, number, village_id, code in Person.objects.filter(
                id_number__in=chunk, is_active=True
            ).values_list("pk", "id_number", "household__village_id", "household__village__code"):
                self.persons[number] = (pk, village_id, code)

    def load_units(self, codes_: set[str]) -> None:
        for chunk in chunks(sorted(codes_ - set(self.units))):
            for unit in OrgUnit.objects.filter(
                code__in=chunk, level__in=(Level.COUNTY, Level.TOWN, Level.VILLAGE)
            ):
                self.units[unit.code] = unit

    def person(self, sheet: Sheet, row: int, header: str, number: str):
        found = self.persons.get(number)
        if found is None:
            self.plan.problem(
                sheet.name, row, header, mask(number), "建档立卡档案中没有这个证件号码（或已注销）"
            )
            return None
        if not in_scope(self.user, found[2]):
            self.plan.problem(sheet.name, row, header, mask(number), "该人员不在您的管辖范围内")
            return None
        return found

    def unit(self, sheet: Sheet, row: int, header: str, code: str, village_only=False):
        unit = self.units.get(code)
        if unit is None or (village_only and unit.level != Level.VILLAGE):
            self.plan.problem(sheet.name, row, header, code, "组织机构中没有这个区划代码")
            return None
        if not in_scope(self.user, unit.code):
            self.plan.problem(sheet.name, row, header, code, "不在您的管辖范围内")
            return None
        self.plan.place_codes.append(unit.code)
        return unit


def _parse(plan, sheets, ledger):
    today = clock.today()
    parsed = {
        name: parse_sheet(plan, sheet, today, ledger, JobsReader) for name, sheet in sheets.items()
    }
    return None if any(result is None for result in parsed.values()) else parsed


def _rows(sheet: Sheet, columns: dict):
    failed = columns.pop("_failed")
    for index in range(len(sheet.rows)):
        yield (
            sheet.first_row + index,
            {name: columns[name][index] for name in columns},
            failed.get(index, set()),
        )


def _dates_in_order(plan, sheet, row, values, refused, start="started_on", end="ended_on") -> None:
    if values.get(end) and values.get(start) and values[end] < values[start]:
        plan.problem(sheet.name, row, "结束日期", values[end], "结束日期不能早于开始日期")
        refused.add(end)


def _headers(columns) -> dict[str, str]:
    """Field → the Chinese header a change line names it by (ids by what they stand for)."""
    table = {column.field: column.header for column in columns if column.field}
    table.update(
        person_id="人员",
        village_id="所在村",
        area_id="所在地",
        holder_id="在岗人员",
        training_id="培训",
    )
    return table


_CODE_LABELS: dict[str, dict[str, str]] = {
    "place": codes.labels(codes.WorkPlace),
    "channel": codes.labels(codes.Channel),
    "source": codes.labels(codes.IncomeSource),
    "kind": {
        **codes.labels(codes.TrainingKind),
        **codes.labels(codes.PostKind),
        **codes.labels(codes.CoopKind),
    },
}


def _shown(name: str, value: Any) -> str:
    """A value in a change line as people read it: code labels, 是/否, places by name, persons
    by name and masked ID (never an ID in clear, never a row id)."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if name in _CODE_LABELS:
        return _CODE_LABELS[name].get(value, str(value))
    if name in ("village_id", "area_id"):
        return OrgUnit.objects.filter(pk=value).values_list("name", flat=True).first() or "—"
    if name in ("person_id", "holder_id"):
        found = Person.objects.filter(pk=value).values_list("name", "id_number").first()
        return f"{found[0]}（{mask(found[1])}）" if found else "—"
    if name == "training_id":
        return Training.objects.filter(pk=value).values_list("code", flat=True).first() or "—"
    return str(value)


def plan_jobs(sheets: dict[str, Sheet], *, user=None) -> SheetsPlan:
    plan = SheetsPlan()
    for sheet in sheets.values():
        plan.notices.extend(sheet.notices)
    parsed = _parse(plan, sheets, JOBS)
    if parsed is None:
        return plan
    context = _Context(plan, user)
    numbers = {
        n
        for name in (SPELL_SHEET, ATTEND_SHEET, POST_SHEET)
        if name in parsed
        for n in parsed[name][0]["id_number"]
        if n
    }
    context.load_persons(numbers)
    context.load_units(
        {
            c
            for name in (FAIR_SHEET, TRAINING_SHEET, POST_SHEET)
            if name in parsed
            for c in parsed[name][0].get("area_code", parsed[name][0].get("village_code", []))
            if c
        }
    )
    if SPELL_SHEET in sheets:
        _spells(context, sheets[SPELL_SHEET], parsed[SPELL_SHEET][0])
    if FAIR_SHEET in sheets:
        _fairs(context, sheets[FAIR_SHEET], parsed[FAIR_SHEET][0])
    trainings: dict[str, Any] = {}
    if TRAINING_SHEET in sheets:
        trainings = _trainings(context, sheets[TRAINING_SHEET], parsed[TRAINING_SHEET][0])
    if ATTEND_SHEET in sheets:
        _attendance(context, sheets[ATTEND_SHEET], parsed[ATTEND_SHEET][0], trainings)
    if POST_SHEET in sheets:
        _posts(context, sheets[POST_SHEET], parsed[POST_SHEET][0])
    if not plan.ok:
        plan.parts = []
    plan.summary = describe_jobs(plan.counts)
    return plan


def _spells(context: _Context, sheet: Sheet, columns: dict) -> None:
    plan = context.plan
    people = {context.persons[n][0] for n in columns["id_number"] if n in context.persons}
    stored: dict[int, list[tuple[dt.date, dt.date, bool]]] = {}
    for person_id, start, end, full in Spell.objects.filter(person_id__in=people).values_list(
        "person_id", "started_on", "ended_on", "full_time"
    ):
        stored.setdefault(person_id, []).append((start, end or FAR_FUTURE, full))
    in_file: dict[int, list[tuple[dt.date, dt.date, int]]] = {}
    seen: dict[tuple, int] = {}
    rows = []
    for row, values, refused in _rows(sheet, columns):
        number = values["id_number"]
        if not number:
            continue
        _dates_in_order(plan, sheet, row, values, refused)
        person = context.person(sheet, row, "证件号码", number)
        if person is None or refused:
            continue
        key = (person[0], values["started_on"])
        if key in seen:
            plan.problem(
                sheet.name,
                row,
                "开始日期",
                values["started_on"],
                f"与第{seen[key]}行是同一人同一开始日期",
            )
            continue
        seen[key] = row
        full = values.get("full_time")
        full = True if full is None else full
        start, end = values["started_on"], values.get("ended_on") or FAR_FUTURE
        if full:
            clash = [
                s
                for s, e, f in stored.get(person[0], [])
                if f and s != start and s <= end and start <= e
            ] + [s for s, e, r in in_file.get(person[0], []) if s <= end and start <= e]
            if clash:
                plan.problem(
                    sheet.name,
                    row,
                    "开始日期",
                    start,
                    f"与该人 {clash[0]} 开始的另一段全职务工时间重叠",
                )
                continue
            in_file.setdefault(person[0], []).append((start, end, row))
        rows.append(
            (
                key,
                f"务工 {mask(number)} {start}",
                {
                    "person_id": person[0],
                    "started_on": start,
                    "village_id": person[1],
                    "place": values["place"],
                    "channel": values["channel"],
                    "employer": values.get("employer", ""),
                    "ended_on": values.get("ended_on"),
                    "monthly_pay": values.get("monthly_pay", Decimal(0)),
                    "full_time": full,
                },
            )
        )
        plan.place_codes.append(person[2])
    compare(
        plan,
        Planned("spells", Spell, "village"),
        rows,
        ("person_id", "started_on"),
        _headers(SPELL_COLUMNS),
        _shown,
    )


def _coded(plan, sheet, row, code, seen, what) -> bool:
    if not code:
        return False
    if code in seen:
        plan.problem(sheet.name, row, f"{what}编号", code, f"与第{seen[code]}行{what}编号重复")
        return False
    seen[code] = row
    return True


def _stored_scope(model, codes_: list[str], path: str) -> dict[str, str]:
    return dict(model.objects.filter(code__in=[c for c in codes_ if c]).values_list("code", path))


def _fairs(context: _Context, sheet: Sheet, columns: dict) -> None:
    plan = context.plan
    stored = _stored_scope(JobFair, columns["code"], "area__code")
    seen: dict[str, int] = {}
    rows = []
    for row, values, refused in _rows(sheet, columns):
        if not _coded(plan, sheet, row, values["code"], seen, "招聘会"):
            continue
        area = context.unit(sheet, row, "所在地代码", values["area_code"])
        if values["code"] in stored and not in_scope(context.user, stored[values["code"]]):
            plan.problem(
                sheet.name,
                row,
                "招聘会编号",
                values["code"],
                "该招聘会在您的管辖范围以外，不能修改",
            )
            continue
        if (values.get("hired") or 0) > (values.get("attending") or 0):
            plan.problem(
                sheet.name, row, "录用贫困劳动力", values["hired"], "录用人数不能多于参会人数"
            )
            continue
        if area is None or refused:
            continue
        record = {
            name: values.get(name) or 0 for name in ("employers", "posts", "attending", "hired")
        }
        record.update(
            code=values["code"], held_on=values["held_on"], place=values["place"], area_id=area.pk
        )
        rows.append(((values["code"],), f"招聘会 {values['code']}", record))
    compare(
        plan, Planned("fairs", JobFair, "area"), rows, ("code",), _headers(FAIR_COLUMNS), _shown
    )


def _trainings(context: _Context, sheet: Sheet, columns: dict) -> dict[str, Any]:
    plan = context.plan
    stored = _stored_scope(Training, columns["code"], "area__code")
    seen: dict[str, int] = {}
    rows = []
    for row, values, refused in _rows(sheet, columns):
        if not _coded(plan, sheet, row, values["code"], seen, "培训"):
            continue
        _dates_in_order(plan, sheet, row, values, refused)
        area = context.unit(sheet, row, "所在地代码", values["area_code"])
        if values["code"] in stored and not in_scope(context.user, stored[values["code"]]):
            plan.problem(
                sheet.name, row, "培训编号", values["code"], "该培训在您的管辖范围以外，不能修改"
            )
            continue
        if area is None or refused:
            continue
        rows.append(
            (
                (values["code"],),
                f"培训 {values['code']}",
                {
                    "code": values["code"],
                    "name": values["name"],
                    "kind": values["kind"],
                    "area_id": area.pk,
                    "started_on": values["started_on"],
                    "ended_on": values.get("ended_on"),
                    "hours": values.get("hours") or 0,
                },
            )
        )
    compare(
        plan,
        Planned("trainings", Training, "area"),
        rows,
        ("code",),
        _headers(TRAINING_COLUMNS),
        _shown,
    )
    return {key[0]: Ref(Training, "code", key[0]) for key, _, _ in rows}


def _attendance(context: _Context, sheet: Sheet, columns: dict, trainings: dict) -> None:
    plan = context.plan
    stored = dict(
        Training.objects.filter(code__in=[c for c in columns["training_code"] if c]).values_list(
            "code", "pk"
        )
    )
    seen: set = set()
    rows = []
    for row, values, refused in _rows(sheet, columns):
        code, number = values["training_code"], values["id_number"]
        if not code or not number:
            continue
        training = stored.get(code) or trainings.get(code)
        if training is None:
            plan.problem(
                sheet.name, row, "培训编号", code, "“培训”表和已有台账中都没有这个培训编号"
            )
            continue
        person = context.person(sheet, row, "证件号码", number)
        if person is None or refused or (code, number) in seen:
            continue
        seen.add((code, number))
        completed = values.get("completed")
        rows.append(
            (
                (training, person[0]),
                f"培训人员 {code}/{mask(number)}",
                {
                    "training_id": training,
                    "person_id": person[0],
                    "village_id": person[1],
                    "completed": True if completed is None else completed,
                },
            )
        )
        plan.place_codes.append(person[2])
    compare(
        plan,
        Planned("attendance", Attendance, "village"),
        rows,
        ("training_id", "person_id"),
        _headers(ATTEND_COLUMNS),
        _shown,
    )


def _posts(context: _Context, sheet: Sheet, columns: dict) -> None:
    plan = context.plan
    stored = _stored_scope(Post, columns["code"], "village__code")
    seen: dict[str, int] = {}
    rows = []
    for row, values, refused in _rows(sheet, columns):
        if not _coded(plan, sheet, row, values["code"], seen, "岗位"):
            continue
        _dates_in_order(plan, sheet, row, values, refused)
        village = context.unit(sheet, row, "所在村代码", values["village_code"], village_only=True)
        if values["code"] in stored and not in_scope(context.user, stored[values["code"]]):
            plan.problem(
                sheet.name, row, "岗位编号", values["code"], "该岗位在您的管辖范围以外，不能修改"
            )
            continue
        holder = None
        number = values.get("id_number", "")
        if number:
            found = context.persons.get(number)
            if found is None:
                plan.problem(
                    sheet.name,
                    row,
                    "在岗人员证件号码",
                    mask(number),
                    "建档立卡档案中没有这个证件号码（或已注销）",
                )
                continue
            holder = found[0]
            if village is not None and found[1] != village.pk and not values.get("outside_reason"):
                plan.problem(
                    sheet.name,
                    row,
                    "在岗人员证件号码",
                    mask(number),
                    "在岗人员不是本村建档立卡人员，请填写“非本村人员原因”",
                )
                continue
        if village is None or refused:
            continue
        rows.append(
            (
                (values["code"],),
                f"岗位 {values['code']}",
                {
                    "code": values["code"],
                    "name": values["name"],
                    "kind": values["kind"],
                    "village_id": village.pk,
                    "holder_id": holder,
                    "monthly_pay": values.get("monthly_pay", Decimal(0)),
                    "started_on": values["started_on"],
                    "ended_on": values.get("ended_on"),
                    "outside_reason": values.get("outside_reason", ""),
                },
            )
        )
    compare(
        plan, Planned("posts", Post, "village"), rows, ("code",), _headers(POST_COLUMNS), _shown
    )


def plan_economy(sheets: dict[str, Sheet], *, user=None) -> SheetsPlan:
    plan = SheetsPlan()
    for sheet in sheets.values():
        plan.notices.extend(sheet.notices)
    parsed = _parse(plan, sheets, ECONOMY)
    if parsed is None:
        return plan
    context = _Context(plan, user)
    context.load_units({c for name in parsed for c in parsed[name][0]["village_code"] if c})
    if COOP_SHEET in sheets:
        rows = []
        seen: dict[tuple, int] = {}
        for row, values, refused in _rows(sheets[COOP_SHEET], parsed[COOP_SHEET][0]):
            if not values["village_code"]:
                continue
            village = context.unit(
                sheets[COOP_SHEET], row, "所在村代码", values["village_code"], True
            )
            if values.get("registered_on") and not values.get("registered"):
                plan.problem(
                    COOP_SHEET, row, "已登记赋码", "否", "填了登记日期，已登记赋码应为“是”"
                )
                continue
            if village is None or refused:
                continue
            key = (village.pk, values["year"], values["name"])
            if key in seen:
                plan.problem(
                    COOP_SHEET, row, "名称", values["name"], f"与第{seen[key]}行同村同年同名"
                )
                continue
            seen[key] = row
            rows.append(
                (
                    key,
                    f"{village.name} {values['year']} {values['name']}",
                    {
                        "village_id": village.pk,
                        "year": values["year"],
                        "name": values["name"],
                        "kind": values["kind"],
                        "registered": bool(values.get("registered")),
                        "registered_on": values.get("registered_on"),
                        "members": values.get("members") or 0,
                        "assets": values.get("assets", Decimal(0)),
                    },
                )
            )
        compare(
            plan,
            Planned("coops", Cooperative, "village"),
            rows,
            ("village_id", "year", "name"),
            _headers(COOP_COLUMNS),
            _shown,
        )
    if INCOME_SHEET in sheets:
        rows = []
        seen = {}
        for row, values, refused in _rows(sheets[INCOME_SHEET], parsed[INCOME_SHEET][0]):
            if not values["village_code"]:
                continue
            village = context.unit(
                sheets[INCOME_SHEET], row, "所在村代码", values["village_code"], True
            )
            if village is None or refused:
                continue
            key = (village.pk, values["year"], values["source"])
            if key in seen:
                plan.problem(
                    INCOME_SHEET,
                    row,
                    "收入来源",
                    values["source"],
                    f"与第{seen[key]}行同村同年同来源",
                )
                continue
            seen[key] = row
            rows.append(
                (
                    key,
                    f"{village.name} {values['year']} 集体收入",
                    {
                        "village_id": key[0],
                        "year": key[1],
                        "source": key[2],
                        "amount": values["amount"],
                    },
                )
            )
        compare(
            plan,
            Planned("income", Income, "village"),
            rows,
            ("village_id", "year", "source"),
            _headers(INCOME_COLUMNS),
            _shown,
        )
    if not plan.ok:
        plan.parts = []
    plan.summary = describe_economy(plan.counts)
    return plan
