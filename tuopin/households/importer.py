"""Checking a household files workbook and working out what it would change (the plan).

Nothing here writes; :func:`tuopin.households.actions.apply_import` writes a plan without
problems. Each sheet names its records by a key (基地: 编号; 措施: 户编号+类别+日期+内容;
危改: 户编号+年度; 搬迁: 户编号): a re-import updates what changed, records the file does not
name are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from tuopin.households import codes
from tuopin.households.layout import (
    BASE_SHEET,
    HOUSEHOLD_FILES,
    MEASURE_SHEET,
    RELOCATION_SHEET,
    RENOVATION_SHEET,
)
from tuopin.households.models import Base, Measure, Relocation, Renovation
from tuopin.ledger.cells import CellReader, LedgerPlan, chunks, parse_sheet, plain, same
from tuopin.ledger.layout import Column, choice_lookup
from tuopin.ledger.reader import Sheet
from tuopin.lib import clock
from tuopin.org.access import in_scope
from tuopin.org.models import Level, OrgUnit
from tuopin.projects.codes import ProjectKind
from tuopin.projects.models import Project
from tuopin.registry.codes import HousingGrade
from tuopin.registry.models import Household

NO_HOUSEHOLD = "建档立卡档案中没有这个户编号（或该户不是有效的建档立卡户）"
OUT_OF_SCOPE = "该户不在您的管辖范围内"
SHEET_KEYS = {
    BASE_SHEET: "bases",
    MEASURE_SHEET: "measures",
    RENOVATION_SHEET: "renovations",
    RELOCATION_SHEET: "relocations",
}
MODELS = {"bases": Base, "measures": Measure, "renovations": Renovation, "relocations": Relocation}
_ADDED = {key: f"{key}_added" for key in MODELS}
WHAT = {
    "bases": "基地合作社",
    "measures": "帮扶措施",
    "renovations": "危房改造",
    "relocations": "易地搬迁",
}


@dataclass
class FilesPlan(LedgerPlan):
    # Per sheet key: new records (field → value) and changes (pk, label, diff, record).
    new: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    changed: dict[str, list[tuple[int, str, dict, dict]]] = field(default_factory=dict)
    place_codes: list[str] = field(default_factory=list)
    # household id → (户编号, village code) of the households the plan writes for (history rows)
    households: dict[int, tuple[str, str]] = field(default_factory=dict)
    # the key (household id, kind, date, content) of every accepted 帮扶措施 row, in file order
    measure_keys: list[tuple] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return any(self.new.values()) or any(self.changed.values())


class FilesReader(CellReader):
    """The engine's cells plus place codes and planned years."""

    choice_tables = {
        choices: choice_lookup(choices)
        for choices in (
            codes.BaseKind,
            codes.MeasureKind,
            codes.RenovationKind,
            codes.Placement,
            HousingGrade,
        )
    }
    max_length = {
        "code": 40,
        "name": 200,
        "content": 200,
        "over_resolution": 200,
        "base_code": 40,
        "site_code": 40,
        "household_no": 30,
        "industry": 100,
    }

    def _place_code(self, column: Column, raw: list[Any]) -> list[str]:
        values = self.texts(raw)
        for index, value in enumerate(values):
            if value and (len(value) not in (6, 9, 12) or not value.isdigit()):
                self.fail(index, column, value, "应为县（6位）、镇（9位）或村（12位）区划代码")
                values[index] = ""
        return values

    def _plan_year(self, column: Column, raw: list[Any]) -> list[Any]:
        return self._integers(column, raw, 2014, 2030)


def _fields(model) -> list[str]:
    """The stored columns a plan compares (attnames: ``base_id``, ``household_id``)."""
    skip = {"created_at", "updated_at", "evidence"}
    return [f.attname for f in model._meta.concrete_fields if f.name not in skip]


_MEASURE_LABELS = codes.labels(codes.MeasureKind)


def allowed(user, code: str) -> bool:
    """Whether ``user`` may change records of the place ``code`` (everyone on the CLI)."""
    return user is None or in_scope(user, SimpleNamespace(scope_code=code))


def plan_import(sheets: dict[str, Sheet], *, user=None) -> FilesPlan:
    """Check every cell and rule and compute the changes; write nothing."""
    plan = FilesPlan()
    for sheet in sheets.values():
        plan.notices.extend(sheet.notices)
    today = clock.today()
    parsed = {
        name: parse_sheet(plan, sheet, today, HOUSEHOLD_FILES, FilesReader)
        for name, sheet in sheets.items()
    }
    if any(result is None for result in parsed.values()):
        return plan
    file_bases: set[str] = set()
    if BASE_SHEET in sheets:
        file_bases = _plan_bases(plan, sheets[BASE_SHEET], parsed[BASE_SHEET][0], user)
    households = _households(
        {
            number
            for name, (columns, _) in parsed.items()
            if name != BASE_SHEET
            for number in columns["household_no"]
            if number
        }
    )
    for name, planner in (
        (MEASURE_SHEET, _measure_rows),
        (RENOVATION_SHEET, _renovation_rows),
        (RELOCATION_SHEET, _relocation_rows),
    ):
        if name in sheets:
            _plan_household_sheet(
                plan, sheets[name], parsed[name][0], households, user, planner, file_bases
            )
    for key in SHEET_KEYS.values():
        plan.counts.setdefault(f"{key}_added", 0)
        plan.counts.setdefault(f"{key}_changed", 0)
    if not plan.ok:
        plan.new, plan.changed = {}, {}
    return plan


def _households(numbers: set[str]) -> dict[str, tuple[int, str]]:
    """户编号 → (pk, village code) of the active registered households among ``numbers``."""
    return {
        number: (pk, code)
        for number, pk, code in Household.objects.filter(
            household_no__among=sorted(numbers), is_active=True, is_registered=True
        ).values_list("household_no", "pk", "village__code")
    }


def _compare(plan: FilesPlan, key: str, old, label: str, record: dict, headers: dict) -> None:
    """Queue ``record`` as new (``old`` None) or as the change it makes to ``old``."""
    if old is None:
        plan.new.setdefault(key, []).append(record)
        counts = plan.counts
        counts[_ADDED[key]] = counts.get(_ADDED[key], 0) + 1
        return
    diff = {
        name: [plain(old[name]), plain(value)]
        for name, value in record.items()
        if name in old and not same(old[name], value)
    }
    if not diff:
        return
    plan.changed.setdefault(key, []).append((old["id"], label, diff, record))
    plan.counts[f"{key}_changed"] = plan.counts.get(f"{key}_changed", 0) + 1
    for name, (before, after) in diff.items():
        if len(plan.change_lines) < 300:
            shown = headers.get(name, name)
            plan.change_lines.append(
                f"{WHAT[key]} {label} {shown}：{before if before not in (None, '') else '（空）'}"
                f" → {after if after not in (None, '') else '（空）'}"
            )


def _plan_bases(plan: FilesPlan, sheet: Sheet, columns: dict, user) -> set[str]:
    failed = columns.pop("_failed")
    places = {
        unit.code: unit
        for chunk in chunks(sorted({c for c in columns["place_code"] if c}))
        for unit in OrgUnit.objects.filter(
            code__in=chunk, level__in=(Level.COUNTY, Level.TOWN, Level.VILLAGE)
        )
    }
    existing = {
        base["code"]: base
        for chunk in chunks(sorted({c for c in columns["code"] if c}))
        for base in Base.objects.filter(code__in=chunk).values(*_fields(Base), "place__code")
    }
    headers = {c.field: c.header for c in HOUSEHOLD_FILES.sheets[BASE_SHEET]}
    headers["place_id"] = "所在地代码"
    seen: dict[str, int] = {}
    for index in range(len(sheet.rows)):
        row = sheet.first_row + index
        values = {name: columns[name][index] for name in columns}
        code = values["code"]
        if not code:
            continue
        if code in seen:
            plan.problem(sheet.name, row, "编号", code, f"与第{seen[code]}行编号重复")
            continue
        seen[code] = row
        if failed.get(index):
            continue
        place = places.get(values["place_code"])
        if place is None:
            plan.problem(
                sheet.name, row, "所在地代码", values["place_code"], "组织机构中没有这个代码"
            )
            continue
        old = existing.get(code)
        if not allowed(user, place.code) or (
            old is not None and not allowed(user, old["place__code"])
        ):
            plan.problem(sheet.name, row, "所在地代码", place.code, "不在您的管辖范围内")
            continue
        record = {
            "code": code,
            "name": values["name"],
            "kind": values["kind"],
            "place_id": place.pk,
            "industry": values.get("industry", ""),
            "is_shuangbai": bool(values["is_shuangbai"]),
        }
        plan.place_codes.append(place.code)
        _compare(plan, "bases", old, code, record, headers)
    return set(seen)


def _plan_household_sheet(plan, sheet, columns, households, user, planner, file_bases) -> None:
    failed = columns.pop("_failed")
    names = list(columns)
    first = sheet.first_row
    find = households.get
    places: dict[str, bool] = {}  # village code → whether the user may change it
    rows = []
    for index, cells in enumerate(zip(*columns.values(), strict=True)):
        values = dict(zip(names, cells))  # noqa: B905 - one cell per column by construction
        number = values["household_no"]
        if not number:
            continue
        found = find(number)
        if found is None:
            plan.problem(sheet.name, first + index, "户编号", number, NO_HOUSEHOLD)
            continue
        village = found[1]
        permitted = places.get(village)
        if permitted is None:
            permitted = places[village] = allowed(user, village)
        if not permitted:
            plan.problem(sheet.name, first + index, "户编号", number, OUT_OF_SCOPE)
            continue
        refused = set(failed[index]) if index in failed else set()
        plan.households[found[0]] = (number, village)
        rows.append((first + index, values, found, refused))
    planner(plan, sheet, rows, file_bases)


def _order(plan, sheet, row, values, refused, steps) -> None:
    """Dates that must not go backwards: each filled date not before the filled ones before it."""
    last = None
    for name, header in steps:
        value = values.get(name)
        if value is None or name in refused:
            continue
        if last is not None and value < last[1]:
            plan.problem(sheet.name, row, header, value, f"不能早于{last[0]}（{last[1]}）")
            refused.add(name)
            continue
        last = (header, value)


def _measure_rows(plan, sheet, rows, file_bases) -> None:
    headers = {c.field: c.header for c in HOUSEHOLD_FILES.sheets[MEASURE_SHEET]}
    base_codes = {values.get("base_code") for _, values, _, _ in rows if values.get("base_code")}
    bases = {
        code: pk
        for chunk in chunks(sorted(base_codes))
        for code, pk in Base.objects.filter(code__in=chunk).values_list("code", "pk")
    }
    household_ids = sorted({found[0] for _, _, found, _ in rows})
    existing = {
        (m["household_id"], m["kind"], m["done_on"], m["content"]): m
        for m in Measure.objects.filter(household_id__among=household_ids).values(*_fields(Measure))
    }
    seen: dict[tuple, int] = {}
    pending_bases: list[tuple[dict, str]] = []
    new: list[dict] = []
    for row, values, (household_id, village), refused in rows:
        base_code = values.get("base_code", "")
        if base_code and base_code not in bases and base_code not in file_bases:
            plan.problem(
                sheet.name,
                row,
                "联结基地编号",
                base_code,
                "“基地合作社”表和已有台账中都没有这个编号",
            )
            refused.add("base_code")
        if refused:
            continue
        content = values.get("content", "")
        key = (household_id, values["kind"], values["done_on"], content)
        if key in seen:
            plan.problem(
                sheet.name,
                row,
                "措施内容",
                content,
                f"与第{seen[key]}行的户编号、措施类别、实施日期和措施内容都相同",
            )
            continue
        seen[key] = row
        record = {
            "household_id": household_id,
            "kind": values["kind"],
            "done_on": values["done_on"],
            "content": content,
            "amount": values.get("amount") or 0,
            "industry_type": values.get("industry_type", ""),
            "scale": values.get("scale", ""),
            "base_id": bases.get(base_code) if base_code else None,
        }
        if base_code and base_code not in bases:
            pending_bases.append((record, base_code))  # created by this import: id at apply
        plan.place_codes.append(village)
        old = existing.get(key)
        if old is None:  # the common case of a first import, without a call
            new.append(record)
            continue
        label = f"{values['household_no']} {_MEASURE_LABELS[values['kind']]}"
        _compare(plan, "measures", old, label, record, headers)
    for record, code in pending_bases:
        record["base_code"] = code
    plan.measure_keys = list(seen)
    if new:
        plan.new.setdefault("measures", []).extend(new)
        plan.counts["measures_added"] = plan.counts.get("measures_added", 0) + len(new)


def _renovation_rows(plan, sheet, rows, file_bases) -> None:
    headers = {c.field: c.header for c in HOUSEHOLD_FILES.sheets[RENOVATION_SHEET]}
    household_ids = sorted({found[0] for _, _, found, _ in rows})
    existing = {
        (r["household_id"], r["year"]): r
        for r in Renovation.objects.filter(household_id__among=household_ids).values(
            *_fields(Renovation)
        )
    }
    seen: dict[tuple, int] = {}
    fields = [
        c.field for c in HOUSEHOLD_FILES.sheets[RENOVATION_SHEET] if c.field != "household_no"
    ]
    for row, values, (household_id, village), refused in rows:
        _order(
            plan,
            sheet,
            row,
            values,
            refused,
            (
                ("started_on", "开工日期"),
                ("completed_on", "竣工日期"),
                ("habitable_on", "达到入住条件日期"),
                ("moved_in_on", "入住日期"),
            ),
        )
        _order(
            plan,
            sheet,
            row,
            values,
            refused,
            (("completed_on", "竣工日期"), ("accepted_on", "验收日期")),
        )
        approved = values.get("subsidy_approved") or 0
        paid = values.get("subsidy_paid") or 0
        if not refused & {"subsidy_approved", "subsidy_paid"} and paid > approved:
            plan.problem(sheet.name, row, "已拨付补助（元）", paid, f"超过核定补助 {approved}")
            refused.add("subsidy_paid")
        if values.get("grade_after") and not values.get("accepted_on"):
            plan.problem(
                sheet.name,
                row,
                "验收后等级",
                values["grade_after"],
                "填了验收后等级，请同时填写验收日期",
            )
            refused.add("grade_after")
        if refused:
            continue
        key = (household_id, values["year"])
        if key in seen:
            plan.problem(
                sheet.name,
                row,
                "任务年度",
                values["year"],
                f"与第{seen[key]}行同户同年度，每户每年只能一行",
            )
            continue
        seen[key] = row
        record = {"household_id": household_id}
        for name in fields:
            value = values.get(name)
            if name in ("subsidy_approved", "subsidy_paid"):
                value = value or 0
            elif name in ("grade_before", "grade_after"):
                value = value or ""
            record[name] = value
        plan.place_codes.append(village)
        _compare(
            plan,
            "renovations",
            existing.get(key),
            f"{values['household_no']} {values['year']}年",
            record,
            headers,
        )


def _relocation_rows(plan, sheet, rows, file_bases) -> None:
    headers = {c.field: c.header for c in HOUSEHOLD_FILES.sheets[RELOCATION_SHEET]}
    site_codes = {values.get("site_code") for _, values, _, _ in rows if values.get("site_code")}
    sites = {
        code: (pk, kind)
        for chunk in chunks(sorted(site_codes))
        for code, pk, kind in Project.objects.filter(code__in=chunk).values_list(
            "code", "pk", "kind"
        )
    }
    household_ids = sorted({found[0] for _, _, found, _ in rows})
    existing = {
        r["household_id"]: r
        for r in Relocation.objects.filter(household_id__among=household_ids).values(
            *_fields(Relocation)
        )
    }
    seen: dict[int, int] = {}
    fields = [
        c.field
        for c in HOUSEHOLD_FILES.sheets[RELOCATION_SHEET]
        if c.field not in ("household_no", "site_code")
    ]
    for row, values, (household_id, village), refused in rows:
        site_code = values.get("site_code", "")
        site = sites.get(site_code)
        if site_code and site is None:
            plan.problem(sheet.name, row, "安置点项目编号", site_code, "项目库中没有这个项目编号")
            refused.add("site_code")
        elif site is not None and site[1] != ProjectKind.RELOCATION:
            plan.problem(
                sheet.name, row, "安置点项目编号", site_code, "该项目不是易地搬迁安置点项目"
            )
            refused.add("site_code")
        elif values["placement"] == codes.Placement.CENTRAL and not site_code:
            plan.problem(sheet.name, row, "安置点项目编号", "", "集中安置须填写安置点项目编号")
            refused.add("site_code")
        _order(
            plan,
            sheet,
            row,
            values,
            refused,
            (
                ("house_finished_on", "住房竣工日期"),
                ("accepted_on", "验收日期"),
                ("keys_on", "交钥匙日期"),
                ("moved_in_on", "搬迁入住日期"),
            ),
        )
        if values.get("over_resolved_on") and not (
            values.get("over_area") or values.get("over_debt")
        ):
            plan.problem(
                sheet.name,
                row,
                "双超整改日期",
                values["over_resolved_on"],
                "不超面积也不超负债的户不应填写双超整改",
            )
            refused.add("over_resolved_on")
        if refused:
            continue
        if household_id in seen:
            plan.problem(
                sheet.name,
                row,
                "户编号",
                values["household_no"],
                f"与第{seen[household_id]}行重复，每户只能一行",
            )
            continue
        seen[household_id] = row
        record = {"household_id": household_id, "site_id": site[0] if site else None}
        for name in fields:
            value = values.get(name)
            if name in ("over_area", "over_debt"):
                value = bool(value)
            elif name == "employed":
                value = value or 0
            elif name == "over_resolution":
                value = value or ""
            record[name] = value
        plan.place_codes.append(village)
        _compare(
            plan, "relocations", existing.get(household_id), values["household_no"], record, headers
        )


def describe(counts: dict[str, int]) -> str:
    return "；".join(
        f"{WHAT[key]} 新增 {counts.get(f'{key}_added', 0)}，修改 {counts.get(f'{key}_changed', 0)}"
        for key in SHEET_KEYS.values()
    )
