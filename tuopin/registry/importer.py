"""Validating a registry workbook and working out what it would change (the import *plan*).

Nothing here writes: :func:`plan_import` reads the sheets column by column (fast paths for the
common cell types, a slow path that explains the problem in Chinese), checks every rule of the
registry, loads the affected households and persons in a few queries, and diffs. The plan is
shown to the user; :func:`tuopin.registry.actions.apply_import` writes it.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from tuopin.ledger.cells import (
    CHUNK,
    MAX_LISTED_PROBLEMS,
    CellReader,
    LedgerPlan,
    Problem,
    chunks,
    duplicates,
    parse_sheet,
    plain,
    same,
    text_of,
)
from tuopin.lib import clock
from tuopin.org.models import Level, OrgUnit
from tuopin.registry import codes, fastdb
from tuopin.registry.layout import (
    COLUMNS_BY_SHEET,
    HOUSEHOLD_SHEET,
    PERSON_SHEET,
    REGISTRY,
    VILLAGE_SHEET,
    Column,
)
from tuopin.registry.models import Household, Person, VillageFacts
from tuopin.registry.reader import Sheet

__all__ = ["CHUNK", "MAX_LISTED_PROBLEMS", "ImportPlan", "Problem", "plan_import", "text_of"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_WEIGHT_OFFSET = 48 * sum(_WEIGHTS)  # the digits arrive as ASCII codes
_CAUSE_SEPARATORS = re.compile(r"[、,，;；/\s]+")

HOUSEHOLD_FIELDS = tuple(c.field for c in COLUMNS_BY_SHEET[HOUSEHOLD_SHEET] if c.field)
PERSON_FIELDS = tuple(c.field for c in COLUMNS_BY_SHEET[PERSON_SHEET] if c.field)
# Stored person fields the file fills (household_no becomes household_id; sex and birth date
# come from the citizen ID).
PERSON_STORED = (*(f for f in PERSON_FIELDS if f != "household_no"), "sex", "birth_date")
VILLAGE_FACT_FIELDS = (
    "paved_road",
    "standard_clinic",
    "collective_economy",
    "natural_villages_30plus",
    "natural_villages_30plus_with_power",
    "tap_water",
)


@dataclass
class ImportPlan(LedgerPlan):
    replace_villages: bool = False
    closures: list[dict[str, str]] = field(default_factory=list)
    village_codes: list[str] = field(default_factory=list)
    # What apply_import writes (filled only when there is no problem).
    village_changes: list[tuple[OrgUnit, VillageFacts | None, dict, dict]] = field(
        default_factory=list
    )
    new_households: list[dict[str, Any]] = field(default_factory=list)
    changed_households: list[tuple[int, str, str, dict[str, list]]] = field(default_factory=list)
    closed_households: list[tuple[int, str, str]] = field(default_factory=list)
    new_persons: list[dict[str, Any]] = field(default_factory=list)
    changed_persons: list[tuple[int, str, str, dict[str, list]]] = field(default_factory=list)
    closed_persons: list[tuple[int, str, str]] = field(default_factory=list)
    member_counts: dict[int, int] = field(default_factory=dict)  # existing household id → count
    village_scope: dict[int, str] = field(default_factory=dict)  # village id → code

    @property
    def has_changes(self) -> bool:
        return bool(
            self.village_changes
            or self.new_households
            or self.changed_households
            or self.closed_households
            or self.new_persons
            or self.changed_persons
            or self.closed_persons
        )


# ---------------------------------------------------------------------------------------------
# Cells


def _choice_table(choices: type) -> dict[str, str]:
    table = codes.lookup(choices)
    for code in [c for c in table.values() if c.isdigit()]:
        table.setdefault(str(int(code)), code)
    return table


_CHOICE_TABLES = {
    choices: _choice_table(choices)
    for choices in {c.choices for cols in COLUMNS_BY_SHEET.values() for c in cols if c.choices}
    | {codes.PovertyCause}
}
_BLANK_DEFAULTS = {
    "relocation": codes.Relocation.NONE.value,
    "schooling_status": codes.SchoolingStatus.NOT_STUDENT.value,
    "work_status": codes.WorkStatus.NONE.value,
    "ethnicity": codes.Ethnicity.HAN.value,
}
_MAX_LENGTH = {
    "household_no": 30,
    "person_no": 30,
    "group_name": 50,
    "helper_unit": 100,
    "helper_post": 50,
}


class _Reader(CellReader):
    """The registry's cells: the engine's kinds plus village codes, citizen IDs, causes, …"""

    choice_tables = _CHOICE_TABLES
    blank_defaults = _BLANK_DEFAULTS
    max_length = _MAX_LENGTH

    def __init__(self, plan: ImportPlan, sheet: Sheet, today: dt.date):
        super().__init__(plan, sheet, today)
        self.birth_cache: dict[str, dt.date | None] = {}

    def _village_code(self, column: Column, raw: list[Any]) -> list[str]:
        values = self.texts(raw)
        for index, value in enumerate(values):
            if value and (len(value) != 12 or not value.isdigit()):
                self.fail(index, column, value, "村代码应为12位数字（统计用区划代码）")
                values[index] = ""
        return values

    def _causes(self, column: Column, raw: list[Any]) -> list[list[str]]:
        table = _CHOICE_TABLES[codes.PovertyCause]
        values: list[list[str]] = []
        for index, text in enumerate(self.texts(raw)):
            if not text:
                values.append([])
                continue
            single = table.get(text)
            if single is not None:
                values.append([single])
                continue
            found: list[str] = []
            for part in _CAUSE_SEPARATORS.split(text):
                if not part:
                    continue
                code = table.get(part)
                if code is None:
                    self.fail(index, column, part, "不是有效的致贫原因")
                elif code not in found:
                    found.append(code)
            if len(found) > 2:
                self.fail(index, column, text, "其他致贫原因最多填两项，用“、”分隔")
            values.append(found[:2])
        return values

    def _liters(self, column: Column, raw: list[Any]) -> list[Any]:
        return self._decimal(column, raw, "0.1", Decimal("100000"))

    def _percent(self, column: Column, raw: list[Any]) -> list[Any]:
        fractions = [
            i for i, v in enumerate(raw) if type(v) is float and 0 < v < 1 and not v.is_integer()
        ]
        for index in fractions:  # a cell formatted as a percentage arrives as 0.95
            raw[index] = raw[index] * 100
        if fractions:
            self.plan.notices.append(
                f"“{self.sheet.name}”表“{column.header}”列有 {len(fractions)} 个小数（如 0.95）已按百分数（95）读取"
            )
        values = self._decimal(column, raw, "0.1", Decimal("1000"))
        for index, value in enumerate(values):
            if value > 100:
                self.fail(index, column, value, "供水保证率为百分数，应在 0 到 100 之间")
        return values

    def _months(self, column: Column, raw: list[Any]) -> list[Any]:
        return [0 if v is None else v for v in self._integers(column, raw, 0, 12)]

    def _year(self, column: Column, raw: list[Any]) -> list[Any]:
        return self._integers(column, raw, 2000, self.today.year)

    def _plan_year(self, column: Column, raw: list[Any]) -> list[Any]:
        """A planned year (计划脱贫年度): 2014 to 2030, future years allowed."""
        return self._integers(column, raw, 2014, 2030)

    def _id_number(self, column: Column, raw: list[Any]) -> list[str]:
        values: list[str] = []
        append = values.append
        cache = self.birth_cache
        today = self.today
        for index, value in enumerate(raw):
            if type(value) is str and len(value) == 18 and value.isascii():
                number = value.upper() if value[17] == "x" else value
            else:
                if type(value) is float or type(value) is int:
                    self.fail(
                        index,
                        column,
                        text_of(value),
                        "证件号码被存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写",
                    )
                    append("")
                    continue
                number = text_of(value).replace(" ", "").upper()
                if number == "":
                    append("")
                    continue
                if len(number) != 18:
                    self.fail(index, column, number, f"证件号码应为18位，实际为{len(number)}位")
                    append("")
                    continue
            first17 = number[:17]
            if not first17.isdigit() or not (number[17].isdigit() or number[17] == "X"):
                self.fail(index, column, number, "证件号码前17位须为数字，末位为数字或X")
                append("")
                continue
            birth_text = number[6:14]
            if birth_text in cache:
                birth = cache[birth_text]
            else:
                try:
                    birth = dt.date(int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:]))
                    if birth.year < 1880 or birth > today:
                        birth = None
                except ValueError:
                    birth = None
                cache[birth_text] = birth
            if birth is None:
                self.fail(
                    index, column, number, f"证件号码中的出生日期 {birth_text} 不存在或不合理"
                )
                append("")
                continue
            total = sum(map(operator.mul, first17.encode(), _WEIGHTS)) - _WEIGHT_OFFSET
            expected = _CHECK_CHARS[total % 11]
            if number[17] != expected:
                self.fail(
                    index, column, number, f"证件号码校验位错误（按 GB 11643 应为 {expected}）"
                )
                append("")
                continue
            append(number)
        return values


# ---------------------------------------------------------------------------------------------
# Sheets


def _parse_sheet(
    plan: ImportPlan, sheet: Sheet, today: dt.date
) -> tuple[dict[str, list[Any]], int] | None:
    return parse_sheet(plan, sheet, today, REGISTRY, _Reader)


_duplicates = duplicates
_chunks = chunks
_same = same
_plain = plain


# Messages about records outside the user's scope say only that they exist elsewhere.
ELSEWHERE_PERSON = "此人已在您管辖范围以外的户中登记；一人只能属于一户，请联系原户所在地先注销此人"
ELSEWHERE_HOUSEHOLD = "该户编号已在您管辖范围以外登记，不能使用；请核对户编号"


def _in_scope(user, code: str) -> bool:
    if user is None or user.is_superuser:
        return True
    return user.scope_id is not None and code.startswith(user.scope.code)


_LABELS: dict[str, dict[str, str]] = {}
for _model in (Household, Person, VillageFacts):
    for _field in _model._meta.concrete_fields:
        if _field.choices:
            _LABELS[_field.attname] = {str(k): str(v) for k, v in _field.choices}


def shown_value(field_name: str, value: Any) -> str:
    """How a stored value reads to a person (codes as labels, booleans as 是/否)."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        labels = codes.labels(codes.PovertyCause)
        return "、".join(labels.get(v, v) for v in value) or "（空）"
    labels = _LABELS.get(field_name)
    if labels is not None:
        return labels.get(str(value), str(value))
    return str(value)


def _verbose(model: type, name: str) -> str:
    if name == "village_id":
        return "村"
    if name == "household_id":
        return "所属户"
    return str(model._meta.get_field(name).verbose_name)


# ---------------------------------------------------------------------------------------------
# The plan


def plan_import(
    sheets: dict[str, Sheet],
    *,
    user=None,
    replace_villages: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ImportPlan:
    """Validate the workbook and compute every change; write nothing."""
    with fastdb.without_gc():
        return _plan_import(sheets, user=user, replace_villages=replace_villages, progress=progress)


def _plan_import(
    sheets: dict[str, Sheet],
    *,
    user,
    replace_villages: bool,
    progress: Callable[[str], None] | None,
) -> ImportPlan:
    plan = ImportPlan(replace_villages=replace_villages)
    for sheet in sheets.values():
        plan.notices.extend(sheet.notices)
    today = clock.today()
    step = progress or (lambda _label: None)

    if replace_villages and not (HOUSEHOLD_SHEET in sheets and PERSON_SHEET in sheets):
        plan.problem(
            HOUSEHOLD_SHEET if HOUSEHOLD_SHEET not in sheets else PERSON_SHEET,
            1,
            "",
            "",
            "整村替换需要同时提供“户”表和“人”表（缺少的表会被当作全部注销）",
        )
        return plan
    step("校验村表")
    villages_parsed = (
        _parse_sheet(plan, sheets[VILLAGE_SHEET], today) if VILLAGE_SHEET in sheets else None
    )
    step("校验户表")
    households_parsed = (
        _parse_sheet(plan, sheets[HOUSEHOLD_SHEET], today) if HOUSEHOLD_SHEET in sheets else None
    )
    step("校验人表")
    persons_parsed = (
        _parse_sheet(plan, sheets[PERSON_SHEET], today) if PERSON_SHEET in sheets else None
    )
    if plan.problem_count and any(
        p.row == sheets[p.sheet].header_row and p.reason.startswith(("缺少", "该列"))
        for p in plan.problems
    ):
        return plan  # without its columns a sheet cannot be checked row by row

    # Villages named anywhere in the file.
    wanted_codes: set[str] = set()
    if villages_parsed:
        wanted_codes.update(c for c in villages_parsed[0]["village_code"] if c)
    if households_parsed:
        wanted_codes.update(c for c in households_parsed[0]["village_id"] if c)
    villages: dict[str, OrgUnit] = {}
    for chunk in _chunks(sorted(wanted_codes)):
        for village in OrgUnit.objects.filter(code__in=chunk, level=Level.VILLAGE):
            villages[village.code] = village

    step("比对村情")
    if villages_parsed:
        _plan_villages(plan, sheets[VILLAGE_SHEET], villages_parsed[0], villages, user)

    step("比对农户")
    context = _HouseholdContext()
    if households_parsed:
        _plan_households(
            plan, sheets[HOUSEHOLD_SHEET], households_parsed[0], villages, user, context
        )
    step("比对家庭成员")
    if persons_parsed or context.file_households:
        _plan_persons(
            plan,
            sheets.get(PERSON_SHEET),
            persons_parsed[0] if persons_parsed else None,
            user,
            context,
        )
    if not plan.ok:
        _clear_writes(plan)
    return plan


def _clear_writes(plan: ImportPlan) -> None:
    plan.village_changes = []
    plan.new_households = []
    plan.changed_households = []
    plan.closed_households = []
    plan.new_persons = []
    plan.changed_persons = []
    plan.closed_persons = []


def _plan_villages(
    plan: ImportPlan, sheet: Sheet, parsed: dict[str, list[Any]], villages: dict[str, OrgUnit], user
) -> None:
    codes_column = parsed["village_code"]
    keep, _ = _duplicates(plan, sheet, codes_column, "村代码", "村代码")
    facts = {
        f.village_id: f
        for f in VillageFacts.objects.filter(village__in=[v.pk for v in villages.values()])
    }
    changed = unchanged = 0
    for index in keep:
        code = codes_column[index]
        if not code:
            continue
        village = villages.get(code)
        row = sheet.first_row + index
        if village is None:
            plan.problem(
                sheet.name, row, "村代码", code, "区划中没有这个村；请先在组织机构中建立该村"
            )
            continue
        if not _in_scope(user, code):
            plan.problem(sheet.name, row, "村代码", code, "该村不在您的管辖范围内")
            continue
        new_facts = {name: parsed[name][index] for name in VILLAGE_FACT_FIELDS if name in parsed}
        power = new_facts.get("natural_villages_30plus_with_power") or 0
        if power > (new_facts.get("natural_villages_30plus") or 0):
            plan.problem(sheet.name, row, "通动力电自然村数", power, "不能多于30户以上自然村数")
        existing = facts.get(village.pk)
        diff: dict[str, list] = {}
        for name, value in new_facts.items():
            old = getattr(existing, name) if existing is not None else None
            if existing is None or old != value:
                diff[name] = [old, value]
        org_diff = {}
        poor = parsed["is_poor_village"][index]
        if poor is not None and poor != village.is_poor_village:
            org_diff["is_poor_village"] = [village.is_poor_village, poor]
        if diff or org_diff:
            changed += 1
            plan.village_changes.append((village, existing, diff, org_diff))
            for name, (old, new) in {**org_diff, **diff}.items():
                label = "是否贫困村" if name == "is_poor_village" else _verbose(VillageFacts, name)
                plan.change_lines.append(
                    f"村 {village.name}（{code}）{label}：{shown_value(name, old)} → {shown_value(name, new)}"
                )
        else:
            unchanged += 1
    plan.counts["villages_changed"] = changed
    plan.counts["villages_unchanged"] = unchanged


@dataclass
class _HouseholdContext:
    # household_no → (row index, values) for households in the file
    file_households: dict[str, dict[str, Any]] = field(default_factory=dict)
    file_rows: dict[str, int] = field(default_factory=dict)
    existing: dict[str, tuple] = field(default_factory=dict)  # household_no → DB row
    covered_village_ids: set[int] = field(default_factory=set)
    present_fields: tuple[str, ...] = ()
    first_row: int = 2


_HH_DB_FIELDS = (
    "id",
    "household_no",
    "village_id",
    "is_active",
    "member_count",
    *(f for f in HOUSEHOLD_FIELDS if f not in ("household_no", "village_id")),
    "group_id",
)


def _load_households(numbers: list[str], village_ids: set[int], into: dict[str, tuple]) -> None:
    """DB rows for the households of the covered villages plus any other numbers named."""
    for chunk in _chunks(sorted(village_ids)):
        for row in Household.objects.filter(village_id__in=chunk).values_list(*_HH_DB_FIELDS):
            into[row[1]] = row
    missing = [n for n in numbers if n not in into]
    if missing and Household.objects.exists():
        for chunk in _chunks(missing):
            for row in Household.objects.filter(household_no__in=chunk).values_list(*_HH_DB_FIELDS):
                into[row[1]] = row


def _plan_households(
    plan: ImportPlan,
    sheet: Sheet,
    parsed: dict[str, list[Any]],
    villages: dict[str, OrgUnit],
    user,
    context: _HouseholdContext,
) -> None:
    numbers = parsed["household_no"]
    keep, _ = _duplicates(plan, sheet, numbers, "户编号", "户编号")
    present = tuple(name for name in HOUSEHOLD_FIELDS if name in parsed)
    context.present_fields = present
    context.first_row = sheet.first_row
    village_codes = parsed["village_id"]
    refused_codes: set[str] = set()
    # Village groups (组) under the covered villages: resolve a name or a 15-digit code.
    covered = {villages[c].pk: c for c in set(village_codes) if c in villages}
    groups: dict[tuple[int, str], int] = {}
    for chunk in _chunks(sorted(covered)):
        for pk, code, name, parent_id in OrgUnit.objects.filter(
            level=Level.GROUP, parent_id__in=chunk
        ).values_list("pk", "code", "name", "parent_id"):
            groups[(parent_id, name)] = pk
            groups[(parent_id, code)] = pk
    for index in keep:
        number = numbers[index]
        row = sheet.first_row + index
        code = village_codes[index]
        if not number:
            continue
        village = villages.get(code)
        if code and village is None:
            if code not in refused_codes or len(refused_codes) < 50:
                plan.problem(sheet.name, row, "村代码", code, "区划中没有这个村")
            refused_codes.add(code)
            continue
        if village is None:
            continue
        if not _in_scope(user, code):
            plan.problem(sheet.name, row, "村代码", code, "该村不在您的管辖范围内")
            continue
        values = {name: parsed[name][index] for name in present}
        values["village_id"] = village.pk
        plan.village_scope[village.pk] = village.code
        values["group_id"] = groups.get((village.pk, values.get("group_name", "")))
        _check_registration(plan, sheet, row, values, parsed["_failed"].get(index, set()))
        context.file_households[number] = values
        context.file_rows[number] = index
        context.covered_village_ids.add(village.pk)
    _load_households(list(context.file_households), context.covered_village_ids, context.existing)
    # Moving a household to another village must not reach outside the user's scope.
    village_at = _HH_DB_FIELDS.index("village_id")
    for number, values in context.file_households.items():
        old = context.existing.get(number)
        if old is not None and old[village_at] != values["village_id"]:
            old_code = _village_code(plan, old[village_at])
            if not _in_scope(user, old_code):
                plan.problem(
                    sheet.name,
                    sheet.first_row + context.file_rows[number],
                    "户编号",
                    number,
                    ELSEWHERE_HOUSEHOLD,
                )


def _check_registration(
    plan: ImportPlan, sheet: Sheet, row: int, values: dict[str, Any], failed: set[str]
) -> None:
    """Fields a registered household must have, and must not have when not registered
    (cells already refused are not reported twice)."""
    if failed:
        values = {k: v for k, v in values.items() if k not in failed}
    registered = values.get("is_registered")
    if registered:
        for name, header in (
            ("poverty_attribute", "贫困户属性"),
            ("main_cause", "主要致贫原因"),
            ("exit_status", "脱贫状态"),
            ("first_identified_year", "首次识别年度"),
        ):
            if name in values and values[name] in ("", None) and name not in failed:
                plan.problem(sheet.name, row, header, "", "建档立卡户必须填写此项")
        status = values.get("exit_status")
        if (
            status in ("exited", "exited_no_policy")
            and "exit_year" in values
            and values["exit_year"] is None
        ):
            plan.problem(sheet.name, row, "脱贫年度", "", "已脱贫户必须填写脱贫年度")
        if status == "not_exited" and values.get("exit_year") is not None:
            plan.problem(
                sheet.name,
                row,
                "脱贫年度",
                values["exit_year"],
                "未脱贫户不应填写脱贫年度；计划脱贫的年度请填在“计划脱贫年度”列",
            )
        first, exit_year = values.get("first_identified_year"), values.get("exit_year")
        if first is not None and exit_year is not None and exit_year < first:
            plan.problem(sheet.name, row, "脱贫年度", exit_year, f"早于首次识别年度 {first}")
        planned = values.get("planned_exit_year")
        if first is not None and planned is not None and planned < first:
            plan.problem(sheet.name, row, "计划脱贫年度", planned, f"早于首次识别年度 {first}")
    elif registered is False:
        for name, header in (
            ("exit_status", "脱贫状态"),
            ("exit_year", "脱贫年度"),
            ("first_identified_year", "首次识别年度"),
            ("planned_exit_year", "计划脱贫年度"),
            ("main_cause", "主要致贫原因"),
        ):
            if values.get(name) not in ("", None):
                plan.problem(
                    sheet.name,
                    row,
                    header,
                    shown_value(name, values[name]),
                    "非建档立卡户不应填写此项",
                )
        if values.get("other_causes"):
            plan.problem(sheet.name, row, "其他致贫原因", "", "非建档立卡户不应填写此项")


_P_DB_FIELDS = ("id", "household_id", "is_active", *PERSON_STORED)


def _raw_rows(queryset) -> list[tuple]:
    """Rows of a values_list without Django's per-row converters: persons have only text,
    integer, boolean and date columns, which both drivers already return as Python types
    (SQLite through the converters Django registers for the declared column types)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _plan_persons(
    plan: ImportPlan,
    sheet: Sheet | None,
    parsed: dict[str, list[Any]] | None,
    user,
    context: _HouseholdContext,
) -> None:
    rows_parsed = parsed or {}
    ids = rows_parsed.get("id_number", [])
    if sheet is not None and parsed is not None:
        keep, _ = _duplicates(plan, sheet, ids, "证件号码", "证件号码")
    else:
        keep = []
    present = tuple(f for f in PERSON_FIELDS if f in rows_parsed and f != "household_no")

    # Households the persons name but the 户 sheet does not hold: they must exist already.
    other_numbers = (
        sorted({rows_parsed["household_no"][i] for i in keep} - set(context.file_households) - {""})
        if keep
        else []
    )
    _load_households(other_numbers, set(), context.existing)
    existing_hh = context.existing
    hh_id_by_no = {no: row[0] for no, row in existing_hh.items()}
    hh_no_by_id = {row[0]: no for no, row in existing_hh.items()}

    # Existing persons: members of the households concerned, then any other ID named.
    concerned_ids = sorted(
        {hh_id_by_no[no] for no in context.file_households if no in hh_id_by_no}
        | {hh_id_by_no[no] for no in other_numbers if no in hh_id_by_no}
    )
    people: dict[str, tuple] = {}
    for chunk in _chunks(concerned_ids):
        for row in _raw_rows(
            Person.objects.filter(household_id__in=chunk).values_list(*_P_DB_FIELDS)
        ):
            people[row[3 + PERSON_STORED.index("id_number")]] = row
    id_pos = 3 + PERSON_STORED.index("id_number")
    missing = [ids[i] for i in keep if ids[i] and ids[i] not in people]
    if missing and Person.objects.exists():
        for chunk in _chunks(missing, 5000 if len(missing) > CHUNK else CHUNK):
            for row in _raw_rows(
                Person.objects.filter(id_number__in=chunk).values_list(*_P_DB_FIELDS)
            ):
                people[row[id_pos]] = row
        # Households of persons found elsewhere (moves) must be known for messages and checks.
        extra = sorted({row[1] for row in people.values()} - set(hh_no_by_id))
        for chunk in _chunks(extra):
            for row in Household.objects.filter(pk__in=chunk).values_list(*_HH_DB_FIELDS):
                existing_hh[row[1]] = row
                hh_id_by_no[row[1]] = row[0]
                hh_no_by_id[row[0]] = row[1]

    # Final membership: household_no → {id_number: relationship}
    members: dict[str, dict[str, str]] = {}
    wanted_numbers = set(other_numbers)
    for no in existing_hh:
        if no in context.file_households or no in wanted_numbers:
            members.setdefault(no, {})
    for person in people.values():
        no = hh_no_by_id.get(person[1])
        if no in members and person[2]:
            if plan.replace_villages and no in context.file_households:
                continue  # full replacement: the file's list is the whole membership
            members[no][person[id_pos]] = person[3 + PERSON_STORED.index("relationship")]

    person_rows: dict[str, int] = {}
    new_people: list[dict[str, Any]] = []
    changed_people: list[tuple[int, str, str, dict[str, list]]] = []
    unchanged = moved = 0
    # Compare whole tuples first (C speed); build dicts only for new or changed persons.
    names = (*present, "sex", "birth_date")
    project = operator.itemgetter(*(3 + PERSON_STORED.index(name) for name in names))
    relationship_at = names.index("relationship") if "relationship" in names else None
    tuples = list(zip(*(rows_parsed[name] for name in present), strict=True)) if present else []
    births: dict[str, dt.date] = {}
    male, female = codes.Sex.MALE.value, codes.Sex.FEMALE.value
    numbers = rows_parsed.get("household_no", [])
    file_households = context.file_households
    refusals: dict[str, str] = {}
    for index in keep:
        id_number = ids[index]
        number = numbers[index]
        if not id_number or not number:
            continue
        if number not in file_households:
            if number not in refusals:
                refusals[number] = _refusal(plan, number, existing_hh, user)
            if refusals[number]:
                plan.problem(
                    sheet.name, sheet.first_row + index, "户编号", number, refusals[number]
                )
                continue
        birth_text = id_number[6:14]
        birth = births.get(birth_text)
        if birth is None:
            birth = births[birth_text] = dt.date(
                int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:])
            )
        new_tuple = (*tuples[index], male if int(id_number[16]) % 2 else female, birth)
        person_rows[id_number] = index
        old = people.get(id_number)
        if old is not None:
            old_no = hh_no_by_id.get(old[1])
            if old_no != number and old[2]:
                if old_no not in file_households:
                    # Name the other household only when the user may see it.
                    in_reach = _in_scope(user, _village_code(plan, existing_hh[old_no][2]))
                    reason = (
                        f"此人已登记在户 {old_no}，该户不在本次导入的“户”表中；一人只能属于一户，"
                        "请把两户一并导入或先在原户注销此人"
                        if in_reach
                        else ELSEWHERE_PERSON
                    )
                    plan.problem(sheet.name, sheet.first_row + index, "证件号码", id_number, reason)
                    continue
                members.get(old_no, {}).pop(id_number, None)
                moved += 1
            elif old[2] and project(old) == new_tuple:
                members.setdefault(number, {})[id_number] = new_tuple[relationship_at]
                unchanged += 1
                continue
        values = dict(zip(names, new_tuple, strict=True))
        members.setdefault(number, {})[id_number] = values.get("relationship", "")
        if old is None:
            values["household_no"] = number
            values["id_number"] = id_number
            new_people.append(values)
            continue
        diff: dict[str, list] = {}
        for position, name in enumerate(PERSON_STORED):
            if name not in values:
                continue
            previous = old[3 + position]
            if not _same(previous, values[name]):
                diff[name] = [_plain(previous), _plain(values[name])]
        if hh_id_by_no.get(number) != old[1]:
            diff["household_id"] = [hh_no_by_id.get(old[1]), number]
        if not old[2]:
            diff["is_active"] = [False, True]
        if diff:
            changed_people.append((old[0], id_number, number, diff | {"_values": values}))
        else:
            unchanged += 1

    # One head per household, and the head's ID is the household's 户主证件号码.
    head = codes.Relationship.HEAD.value
    # Households with a refused person row are not checked for their head: the refused cell
    # is the error to fix, a second one about the head would only confuse.
    refused_rows = rows_parsed.get("_failed", {})
    incomplete = {numbers[i] for i in refused_rows if i < len(numbers)}
    for number, membership in members.items():
        if number in incomplete:
            continue
        in_file = number in context.file_households
        touched = in_file or any(person_rows.get(i) is not None for i in membership)
        if not touched:
            continue
        heads = [i for i, rel in membership.items() if rel == head]
        if not membership and in_file and number not in existing_hh:
            plan.problem(
                HOUSEHOLD_SHEET,
                _row_of(context, number),
                "户编号",
                number,
                "该户在“人”表中没有任何成员",
            )
            continue
        if not membership:
            continue
        if not heads:
            if in_file:
                plan.problem(
                    HOUSEHOLD_SHEET,
                    _row_of(context, number),
                    "户编号",
                    number,
                    "该户没有户主（“人”表中与户主关系为“户主”的成员）",
                )
            else:
                first = min((person_rows[i] for i in membership if i in person_rows), default=None)
                if first is not None and sheet is not None:
                    plan.problem(
                        sheet.name,
                        sheet.first_row + first,
                        "与户主关系",
                        "",
                        f"户 {number} 没有户主",
                    )
            continue
        if len(heads) > 1:
            listed = [i for i in heads if i in person_rows]
            for extra in listed[1:] if len(listed) == len(heads) else listed:
                plan.problem(
                    PERSON_SHEET,
                    sheet.first_row + person_rows[extra],
                    "与户主关系",
                    "户主",
                    f"户 {number} 已有户主，一户只能有一位户主",
                )
            continue
        head_id = heads[0]
        if in_file:
            declared = context.file_households[number].get("head_id_number")
        else:
            declared = existing_hh[number][_HH_DB_FIELDS.index("head_id_number")]
        if declared and declared != head_id:
            if in_file:
                plan.problem(
                    HOUSEHOLD_SHEET,
                    _row_of(context, number),
                    "户主证件号码",
                    declared,
                    f"与“人”表中该户户主的证件号码 {head_id} 不一致",
                )
            elif head_id in person_rows:
                plan.problem(
                    PERSON_SHEET,
                    sheet.first_row + person_rows[head_id],
                    "与户主关系",
                    "户主",
                    f"档案中户 {number} 的户主证件号码为 {declared}，与此人不一致",
                )

    if not plan.ok:
        return
    _plan_household_writes(plan, context, members)
    plan.new_persons = new_people
    plan.changed_persons = changed_people
    plan.counts["persons_added"] = len(new_people)
    plan.counts["persons_changed"] = len(changed_people)
    plan.counts["persons_unchanged"] = unchanged
    plan.counts["persons_moved"] = moved
    for _pk, _id_number, number, diff in changed_people[:200]:
        for name, pair in diff.items():
            if name == "_values":
                continue
            label = _verbose(Person, name) if name != "household_id" else "所属户"
            plan.change_lines.append(
                f"成员 {diff['_values'].get('name', '')}（户 {number}）{label}：{shown_value(name, pair[0])} → {shown_value(name, pair[1])}"
            )
    # Full replacement: active members of the file's households that the file omits.
    if plan.replace_villages:
        for person in people.values():
            no = hh_no_by_id.get(person[1])
            if person[2] and no in context.file_households and person[id_pos] not in person_rows:
                plan.closed_persons.append((person[0], person[id_pos], no))
        plan.counts["persons_closed"] = len(plan.closed_persons)


def _refusal(plan: ImportPlan, number: str, existing: dict[str, tuple], user) -> str:
    """Why persons may not be added to a household the 户 sheet does not hold ("" if they may)."""
    household = existing.get(number)
    # A household outside the user's scope reads as one that does not exist: nothing about it.
    if household is None or not _in_scope(user, _village_code(plan, household[2])):
        return "“户”表和您管辖范围内的档案中都没有这个户编号"
    if not household[3]:
        return "该户已注销，不能再添加成员"
    return ""


def _row_of(context: _HouseholdContext, number: str) -> int:
    return context.first_row + context.file_rows.get(number, 0)


def _village_code(plan: ImportPlan, village_id: int) -> str:
    code = plan.village_scope.get(village_id)
    if code is None:
        code = OrgUnit.objects.filter(pk=village_id).values_list("code", flat=True).first() or ""
        plan.village_scope[village_id] = code
    return code


# Household fields a higher floor decides from its own records (the water app's 水质达标 from
# the test reports), registered at start-up: field → (what decides it, keeper). A keeper takes
# village ids and returns {household id: value} for the households it has a verdict for.
_KEPT_FIELDS: dict[str, tuple[str, Callable[[set[int]], dict[int, Any]]]] = {}


def register_kept_field(name: str, what: str, keeper: Callable[[set[int]], dict[int, Any]]) -> None:
    """An import keeps ``keeper``'s value of ``name`` for the households it decides, and says so
    in the review's notices (``what`` names the deciding records, e.g. 水质检测)."""
    _KEPT_FIELDS[name] = (what, keeper)


def _keep_decided_fields(plan: ImportPlan, context: _HouseholdContext, positions: dict) -> None:
    stored = {
        number: old for number, old in context.existing.items() if number in context.file_households
    }
    if not stored:
        return
    villages = {old[positions["village_id"]] for old in stored.values()}
    for name, (what, keeper) in _KEPT_FIELDS.items():
        if name not in context.present_fields:
            continue
        decided = keeper(villages)
        kept = []
        for number, old in stored.items():
            values = context.file_households[number]
            if old[0] in decided and not _same(decided[old[0]], values[name]):
                values[name] = decided[old[0]]
                kept.append(number)
        if kept:
            shown = "、".join(kept[:10]) + (" 等" if len(kept) > 10 else "")
            label = _verbose(Household, name)
            plan.notices.append(
                f"“户”表中 {len(kept):,} 户的“{label}”与{what}结论不一致，已按{what}结论保留"
                f"（户编号 {shown}）；如需更改，请录入新的{what}报告"
            )


def _plan_household_writes(
    plan: ImportPlan, context: _HouseholdContext, members: dict[str, dict[str, str]]
) -> None:
    existing = context.existing
    added = changed = unchanged = 0
    positions = {name: i for i, name in enumerate(_HH_DB_FIELDS)}
    _keep_decided_fields(plan, context, positions)
    compared = tuple(
        name
        for name in (*context.present_fields, "village_id", "group_id")
        if name != "household_no"
    )
    project = operator.itemgetter(*(positions[name] for name in compared))
    count_at, active_at = positions["member_count"], positions["is_active"]
    for number, values in context.file_households.items():
        count = len(members.get(number, {}))
        old = existing.get(number)
        if old is None:
            plan.new_households.append({**values, "household_no": number, "member_count": count})
            added += 1
            continue
        if (
            old[active_at]
            and old[count_at] == count
            and project(old) == tuple(map(values.__getitem__, compared))
        ):
            unchanged += 1
            continue
        diff: dict[str, list] = {}
        for name in (*context.present_fields, "village_id", "group_id"):
            if name == "household_no":
                continue
            previous = old[positions[name]]
            if not _same(previous, values[name]):
                diff[name] = [_plain(previous), _plain(values[name])]
        if old[positions["member_count"]] != count:
            diff["member_count"] = [old[positions["member_count"]], count]
        if not old[positions["is_active"]]:
            diff["is_active"] = [False, True]
        if diff:
            plan.changed_households.append(
                (old[0], number, values.get("head_name", ""), diff | {"_values": values})
            )
            changed += 1
            if len(plan.change_lines) < 300:
                for name, (before, after) in diff.items():
                    if name in ("_values", "group_id"):
                        continue
                    label = "有效" if name == "is_active" else _verbose(Household, name)
                    if name == "village_id":
                        before, after = _village_code(plan, before), _village_code(plan, after)
                    plan.change_lines.append(
                        f"户 {number}（{values.get('head_name', '')}）{label}：{shown_value(name, before)} → {shown_value(name, after)}"
                    )
        else:
            unchanged += 1
    # Households outside the 户 sheet whose membership the 人 sheet changes.
    for number, membership in members.items():
        if number in context.file_households or number not in existing:
            continue
        old = existing[number]
        if old[positions["member_count"]] != len(membership):
            plan.member_counts[old[0]] = len(membership)
    if plan.replace_villages:
        for number, old in existing.items():
            if (
                old[positions["is_active"]]
                and old[positions["village_id"]] in context.covered_village_ids
                and number not in context.file_households
            ):
                plan.closed_households.append((old[0], number, old[positions["head_name"]]))
                plan.closures.append(
                    {
                        "household_no": number,
                        "head_name": old[positions["head_name"]],
                        "village": plan.village_scope.get(old[positions["village_id"]], ""),
                    }
                )
        plan.counts["households_closed"] = len(plan.closed_households)
    plan.counts["households_added"] = added
    plan.counts["households_changed"] = changed
    plan.counts["households_unchanged"] = unchanged
    plan.village_codes = sorted(plan.village_scope[v] for v in context.covered_village_ids)
