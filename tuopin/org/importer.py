"""`tuopin org import`: the official division-code list into the org tree, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from tuopin.lib.plain_names import name_problem
from tuopin.lib.tables import read_table
from tuopin.org import codes
from tuopin.org.models import OrgUnit

REQUIRED = ("代码", "名称")
YES = {"是", "1", "Y", "y", "TRUE", "True", "true", True}
NO = {"否", "0", "N", "n", "FALSE", "False", "false", "", None, False}


class ImportRefused(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportSummary:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    messages: list[str] = field(default_factory=list)


def import_division_codes(path: str | Path) -> ImportSummary:
    table = read_table(path)
    missing = [column for column in REQUIRED if column not in table.headers]
    if missing:
        raise ImportRefused([f"缺少必需的列：{'、'.join(missing)}（第1行应为表头）"])
    errors: list[str] = []
    parsed: dict[str, dict] = {}
    for number, row in table.rows:
        code = codes.normalize(row.get("代码", ""))
        name = str(row.get("名称", "") or "").strip()
        where = f"第{number}行"
        try:
            level = codes.level_of(code)
        except codes.InvalidCode as error:
            errors.append(f"{where}“代码”列：{error}")
            continue
        if not name:
            errors.append(f"{where}“名称”列：名称不能为空")
        elif problem := name_problem(name):
            errors.append(f"{where}“名称”列：{problem}")
        if code in parsed:
            errors.append(f"{where}“代码”列：代码 {code} 重复出现")
        poor = row.get("是否贫困村", "")
        if poor not in YES and poor not in NO:
            errors.append(f"{where}“是否贫困村”列：值“{poor}”应为“是”或“否”")
        entry = {"name": name, "level": level, "is_poor_village": poor in YES}
        for column, key, low, high in (
            ("经度", "longitude", -180, 180),
            ("纬度", "latitude", -90, 90),
        ):
            raw = row.get(column, "")
            if raw in ("", None):
                continue
            try:
                value = Decimal(str(raw)).quantize(Decimal("0.000001"))
            except InvalidOperation:
                errors.append(f"{where}“{column}”列：“{raw}”不是数字")
                continue
            if not low <= value <= high:
                errors.append(f"{where}“{column}”列：{value} 超出范围 {low}～{high}")
            entry[key] = value
        parsed[code] = entry
    existing = {unit.code: unit for unit in OrgUnit.objects.all()}
    for code in parsed:
        parent = codes.parent_code(code)
        if parent and parent not in parsed and parent not in existing and len(code) > 6:
            errors.append(f"代码 {code}（{parsed[code]['name']}）的上级代码 {parent} 不存在")
    if errors:
        raise ImportRefused(errors)

    summary = ImportSummary()
    with transaction.atomic():
        for code in sorted(parsed, key=lambda c: (len(c), c)):
            entry = parsed[code]
            parent_code = codes.parent_code(code)
            parent = existing.get(parent_code) if parent_code else None
            unit = existing.get(code)
            if unit is None:
                unit = OrgUnit.objects.create(code=code, parent=parent, **entry)
                existing[code] = unit
                summary.added += 1
                continue
            changed = [key for key, value in entry.items() if getattr(unit, key) != value]
            if unit.parent_id != (parent.pk if parent else None):
                unit.parent = parent
                changed.append("parent")
            if changed:
                for key in changed:
                    if key != "parent":
                        setattr(unit, key, entry[key])
                unit.save(update_fields=changed)
                summary.changed += 1
            else:
                summary.unchanged += 1
    return summary
