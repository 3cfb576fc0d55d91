"""State changes of the assessment: parameters, drills and visit results (one transaction each)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tuopin.assess import drill as sampling
from tuopin.assess import rulesets
from tuopin.assess.models import Approval, Drill, DrillHousehold, RuleParameter
from tuopin.lib import bounds, clock
from tuopin.lib.tables import TableError, read_table
from tuopin.org import audit
from tuopin.org.access import can, require
from tuopin.org.models import Level, OrgUnit


def set_parameter(
    user, *, ruleset_key: str, name: str, value: str, scope_code: str = "", note: str = ""
) -> RuleParameter:
    """HQ sets (or clears, with an empty value) a parameter for an area."""
    if scope_code == "" and not user.is_superuser:
        # A county's HQ sets values for its own county; only a superuser sets them everywhere.
        scope_code = user.scope.code if user.scope_id else ""
    area = OrgUnit.objects.filter(code=scope_code).first() if scope_code else None
    if scope_code and area is None:
        raise ValidationError(f"区划代码 {scope_code} 不存在")
    require(user, "assess.manage", area)
    ruleset = rulesets.load(ruleset_key)
    spec = ruleset.parameters.get(name)
    if spec is None or name in rulesets.BUILTIN_PARAMETERS:
        raise ValidationError(f"规则集 {ruleset.name} 没有可设置的参数“{name}”")
    try:
        parsed = spec.parse(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    stored = spec.format(parsed)
    with transaction.atomic():
        parameter, created = RuleParameter.objects.select_for_update().get_or_create(
            ruleset=ruleset.key,
            name=name,
            scope_code=scope_code,
            defaults={"value": stored, "note": note, "set_by": user, "set_at": clock.now()},
        )
        old = None if created else parameter.value
        if not created:
            parameter.value, parameter.note = stored, note
            parameter.set_by, parameter.set_at = user, clock.now()
            parameter.save(update_fields=["value", "note", "set_by", "set_at"])
        audit.record(
            parameter,
            {"value": [old, stored]},
            actor=user,
            action="设置评估参数",
            note=f"{spec.label}（{scope_code or '全部区划'}）",
        )
    return parameter


def create_drill(
    user,
    *,
    area: OrgUnit,
    seed: int,
    as_of: dt.date,
    villages: int = 25,
    households: int = 1500,
    name: str = "",
) -> Drill:
    """Draw the sample and store it (with the system's own verdict for each household)."""
    require(user, "assess.manage", area)
    if area.level != Level.COUNTY:
        raise ValidationError("预评估演练以县为单位抽样：请选择一个县")
    if not 1 <= villages <= 200 or not 2 <= households <= 20000:
        raise ValidationError("抽样村数应为 1–200，抽样户数应为 2–20000")
    from tuopin.assess import engine

    context = engine.context_for(area.code, as_of=as_of)
    sample = sampling.draw(area.code, seed=seed, villages=villages, households=households)
    verdicts = {}
    if sample:
        base = engine.households_in(area.code).filter(pk__in=[s.household_id for s in sample])
        query = engine.HouseholdQuery(context)
        for row in query.queryset(base, reasons=False):
            verdicts[row["pk"]] = query.verdict(row).passed
    with transaction.atomic():
        drill = Drill.objects.create(
            area=area,
            name=name or f"{area.name}预评估演练（种子 {seed}）",
            seed=seed,
            village_target=villages,
            household_target=households,
            as_of=as_of,
            ruleset=context.ruleset.key,
            created_at=clock.now(),
            created_by=user,
        )
        DrillHousehold.objects.bulk_create(
            [
                DrillHousehold(
                    drill=drill,
                    household_id=item.household_id,
                    village_code=item.village_code,
                    sequence=index,
                    registered=item.registered,
                    exited=item.exited,
                    persons=item.persons,
                    predicted_pass=verdicts.get(item.household_id, False),
                )
                for index, item in enumerate(sample, start=1)
            ]
        )
        audit.record(
            drill,
            {"sample": [None, len(sample)]},
            actor=user,
            action="创建预评估演练",
            note=f"种子 {seed}，{villages} 个村，{households} 户",
        )
    return drill


APPROVAL_INPUT = {
    "认可": Approval.APPROVE,
    "满意": Approval.APPROVE,
    "approve": Approval.APPROVE,
    "不认可": Approval.DISAPPROVE,
    "不满意": Approval.DISAPPROVE,
    "disapprove": Approval.DISAPPROVE,
    "说不清": Approval.UNSURE,
    "unsure": Approval.UNSURE,
    "": "",
}
YES = {"是", "达标", "yes", "true", "1", "Y", "y"}
NO = {"否", "未达标", "no", "false", "0", "N", "n"}


def parse_meets(raw: Any) -> bool | None:
    text = "" if raw is None else str(raw).strip()
    if isinstance(raw, bool):
        return raw
    if text in YES:
        return True
    if text in NO:
        return False
    if text == "":
        return None
    raise ValueError(f"“核实达标”应填 是 或 否，实际为“{text}”")


def parse_approval(raw: Any) -> str:
    text = "" if raw is None else str(raw).strip()
    if text not in APPROVAL_INPUT:
        raise ValueError(f"“群众认可”应填 认可、不认可 或 说不清，实际为“{text}”")
    return APPROVAL_INPUT[text]


def may_visit(user, obj=None) -> bool:
    """Visitors (town/village cadres, inspectors) record visits; HQ, who runs the drill, too."""
    return can(user, "assess.visit", obj) or can(user, "assess.manage", obj)


def record_visit(
    user,
    sampled: DrillHousehold,
    *,
    meets_standard: bool | None,
    approval: str,
    note: str = "",
    source: str = "web",
) -> DrillHousehold:
    if not may_visit(user, sampled):
        raise PermissionDenied("您没有记录走访结果的权限")
    values = {
        "meets_standard": meets_standard,
        "approval": approval,
        "note": note[:500],
        "visited_at": clock.now(),
        "visited_by": user,
    }
    with transaction.atomic():
        locked = DrillHousehold.objects.select_for_update().get(pk=sampled.pk)
        audit.apply_changes(locked, values, actor=user, action="记录走访结果", source=source)
    return locked


@dataclass
class ImportProblem:
    row: int
    column: str
    value: Any
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行“{self.column}”列（{self.value}）：{self.message}"


SHEET_COLUMNS = ["序号", "户编号", "核实达标", "群众认可", "走访说明"]


def import_visits(
    user, drill: Drill, data: bytes, filename: str
) -> tuple[int, list[ImportProblem]]:
    """Import the filled visit sheet; nothing is written if any row is wrong."""
    try:
        table = read_table(io.BytesIO(data), filename=filename, sheet="走访表")
    except TableError as error:
        return 0, [ImportProblem(0, "", filename, str(error))]
    missing = [c for c in ("序号", "户编号", "核实达标", "群众认可") if c not in table.headers]
    if missing:
        return 0, [
            ImportProblem(1, column, "", "缺少此列：请使用系统导出的走访表") for column in missing
        ]
    by_sequence = {row.sequence: row for row in drill.households.select_related("household")}
    problems: list[ImportProblem] = []
    updates: list[tuple[DrillHousehold, bool | None, str, str]] = []
    for number, values in table.rows:
        raw_sequence = values.get("序号")
        try:
            sequence = bounds.parse_integer(raw_sequence, "", minimum=1, maximum=bounds.MAX_ID)
        except bounds.OutOfBounds:
            problems.append(ImportProblem(number, "序号", raw_sequence, "应为正整数"))
            continue
        sampled = by_sequence.get(sequence)
        if sampled is None:
            problems.append(ImportProblem(number, "序号", raw_sequence, "不是本次演练的样本序号"))
            continue
        if str(values.get("户编号", "")).strip() != sampled.household.household_no:
            problems.append(
                ImportProblem(
                    number,
                    "户编号",
                    values.get("户编号"),
                    f"与序号 {sequence} 的样本户 {sampled.household.household_no} 不一致",
                )
            )
            continue
        if not may_visit(user, sampled):
            problems.append(
                ImportProblem(
                    number, "户编号", sampled.household.household_no, "不在您的管辖范围内"
                )
            )
            continue
        try:
            meets = parse_meets(values.get("核实达标"))
        except ValueError as error:
            problems.append(ImportProblem(number, "核实达标", values.get("核实达标"), str(error)))
            continue
        try:
            approval = parse_approval(values.get("群众认可"))
        except ValueError as error:
            problems.append(ImportProblem(number, "群众认可", values.get("群众认可"), str(error)))
            continue
        if meets is None and not approval:
            continue
        updates.append((sampled, meets, approval, str(values.get("走访说明") or "")))
    if problems:
        return 0, problems
    with transaction.atomic():
        for sampled, meets, approval, note in updates:
            record_visit(
                user, sampled, meets_standard=meets, approval=approval, note=note, source="import"
            )
    return len(updates), []
