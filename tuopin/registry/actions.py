"""State changes of the registry: import a checked workbook, close a household, edit one,
log an unmasked view. Each runs in one transaction and writes its history in it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction

from tuopin.ledger.cells import common_prefix as _common_prefix
from tuopin.lib import clock
from tuopin.org import audit
from tuopin.org.access import require
from tuopin.org.models import AuditEvent, OrgUnit
from tuopin.registry import fastdb
from tuopin.registry.importer import ImportPlan
from tuopin.registry.models import (
    Household,
    ImportBatch,
    Person,
    PersonalDataView,
    VillageFacts,
)

HOUSEHOLD_MODEL = Household._meta.label_lower
PERSON_MODEL = Person._meta.label_lower
_EVENT_FIELDS = (
    "at",
    "actor_id",
    "action",
    "model",
    "object_id",
    "object_repr",
    "changes",
    "source",
    "note",
    "scope_code",
)


class ImportNotAllowed(ValueError):
    pass


def _db_value(name: str, value: Any) -> Any:
    if name == "other_causes":
        return fastdb.db_json(value)
    if isinstance(value, dt.datetime):
        return fastdb.db_datetime(value)
    return value


def _chunks(items: list, size: int = 900):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def apply_import(
    plan: ImportPlan,
    *,
    actor=None,
    source: str = "web",
    filename: str = "",
    sha256: str = "",
) -> ImportBatch:
    """Write a checked plan: everything or nothing, with one history row per changed record."""
    if not plan.ok:
        raise ImportNotAllowed("导入文件有错误，未导入任何数据")
    now = clock.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    with fastdb.without_gc(), transaction.atomic():
        batch = ImportBatch.objects.create(
            at=now,
            actor_id=actor_id,
            filename=filename[:255],
            sha256=sha256,
            source=source,
            replace_villages=plan.replace_villages,
            summary=plan.counts,
            scope_code=_common_prefix(plan.village_codes),
        )
        note = f"导入 {filename}（批次 {batch.pk}）"
        at = fastdb.db_datetime(now)
        events: list[tuple] = []

        def event(model: str, pk: int, text: str, changes: dict, action: str, scope: str) -> None:
            events.append(
                (
                    at,
                    actor_id,
                    action,
                    model,
                    str(pk),
                    text[:200],
                    fastdb.db_json(changes),
                    source,
                    note[:500],
                    scope,
                )
            )

        _apply_villages(plan, actor, source, note, now)
        scope = plan.village_scope

        # Households
        if plan.new_households:
            given = list(plan.new_households[0])
            defaults = _defaults(Household, given)
            insert_fields = [*given, *defaults, "is_active", "created_at", "updated_at"]
            fixed = (*defaults.values(), True, at, at)
            json_at = given.index("other_causes") if "other_causes" in given else None

            def _household_values(row: dict[str, Any]) -> list[Any]:
                values = list(row.values())
                if json_at is not None:
                    values[json_at] = fastdb.db_json(values[json_at])
                return values

            fastdb.insert_rows(
                Household,
                insert_fields,
                ((*_household_values(row), *fixed) for row in plan.new_households),
            )
        new_ids = _ids_by_number([row["household_no"] for row in plan.new_households])
        for row in plan.new_households:
            event(
                HOUSEHOLD_MODEL,
                new_ids[row["household_no"]],
                f"{row['household_no']} {row.get('head_name', '')}",
                {},
                "导入新建",
                scope.get(row["village_id"], ""),
            )
        groups: dict[tuple[str, ...], list[tuple]] = defaultdict(list)
        for pk, number, head_name, diff in plan.changed_households:
            values = diff["_values"]
            names = tuple(sorted(k for k in diff if k != "_values"))
            row = []
            for name in names:
                if name == "member_count":
                    row.append(diff[name][1])
                elif name == "is_active":
                    row.append(True)
                else:
                    row.append(_db_value(name, values[name]))
            if "is_active" in names:
                names_full = (*names, "closed_reason", "closed_at", "updated_at")
                row.extend(["", None, at])
            else:
                names_full = (*names, "updated_at")
                row.append(at)
            groups[names_full].append((*row, pk))
            changes = {k: v for k, v in diff.items() if k not in ("_values", "group_id")}
            event(
                HOUSEHOLD_MODEL,
                pk,
                f"{number} {head_name}",
                changes,
                "导入修改",
                scope.get(values["village_id"], ""),
            )
        for names, rows in groups.items():
            fastdb.update_rows(Household, names, rows)
        if plan.closed_households:
            reason = "整村替换导入：不在导入文件中"
            fastdb.update_rows(
                Household,
                ("is_active", "closed_reason", "closed_at", "updated_at", "member_count"),
                [(False, reason, at, at, 0, pk) for pk, _, _ in plan.closed_households],
            )
            closed_ids = [pk for pk, _, _ in plan.closed_households]
            village_of = (
                dict(
                    Household.objects.filter(pk__in=closed_ids[:900]).values_list(
                        "pk", "village__code"
                    )
                )
                if len(closed_ids) <= 900
                else _village_codes_of(closed_ids)
            )
            for pk, number, head_name in plan.closed_households:
                event(
                    HOUSEHOLD_MODEL,
                    pk,
                    f"{number} {head_name}",
                    {"is_active": [True, False], "closed_reason": ["", reason]},
                    "导入注销",
                    village_of.get(pk, ""),
                )
            # Their members leave with them.
            for chunk in _chunks(closed_ids):
                members = list(
                    Person.objects.filter(household_id__in=chunk, is_active=True).values_list(
                        "pk", "id_number", "household__household_no"
                    )
                )
                plan.closed_persons.extend(members)
        if plan.member_counts:
            fastdb.update_rows(
                Household,
                ("member_count", "updated_at"),
                [(count, at, pk) for pk, count in plan.member_counts.items()],
            )

        # Persons
        number_ids = dict(new_ids)
        wanted = {p["household_no"] for p in plan.new_persons} | {
            n for _, _, n, _ in plan.changed_persons
        }
        number_ids.update(_ids_by_number(sorted(wanted - set(number_ids))))
        if plan.new_persons:
            person_fields = [f for f in plan.new_persons[0] if f not in ("household_no", "_values")]
            defaults = _defaults(Person, person_fields)
            insert_fields = [*person_fields, *defaults, "household_id", "is_active"]
            fastdb.insert_rows(
                Person,
                insert_fields,
                (
                    (
                        *(row[name] for name in person_fields),
                        *defaults.values(),
                        number_ids[row["household_no"]],
                        True,
                    )
                    for row in plan.new_persons
                ),
            )
        person_groups: dict[tuple[str, ...], list[tuple]] = defaultdict(list)
        household_scope = _scopes_of_numbers(
            [n for _, _, n, _ in plan.changed_persons] + [n for _, _, n in plan.closed_persons]
        )
        for pk, id_number, number, diff in plan.changed_persons:
            values = diff["_values"]
            names = tuple(sorted(k for k in diff if k != "_values"))
            row = []
            for name in names:
                if name == "household_id":
                    row.append(number_ids[number])
                elif name == "is_active":
                    row.append(True)
                else:
                    row.append(values[name])
            if "is_active" in names:
                names = (*names, "closed_reason", "closed_at")
                row.extend(["", None])
            person_groups[names].append((*row, pk))
            changes = {k: v for k, v in diff.items() if k != "_values"}
            event(
                PERSON_MODEL,
                pk,
                values.get("name", id_number),
                changes,
                "导入修改",
                household_scope.get(number, ""),
            )
        for names, rows in person_groups.items():
            fastdb.update_rows(Person, names, rows)
        if plan.closed_persons:
            reason = "整村替换导入：不在导入文件的家庭成员中"
            fastdb.update_rows(
                Person,
                ("is_active", "closed_reason", "closed_at"),
                [(False, reason, at, pk) for pk, _, _ in plan.closed_persons],
            )
            for pk, _id_number, number in plan.closed_persons:
                event(
                    PERSON_MODEL,
                    pk,
                    f"户 {number} 成员",
                    {"is_active": [True, False], "closed_reason": ["", reason]},
                    "导入注销",
                    household_scope.get(number, ""),
                )
            plan.counts["persons_closed"] = len(plan.closed_persons)
            batch.summary = plan.counts
            batch.save(update_fields=["summary"])
        fastdb.insert_rows(AuditEvent, _EVENT_FIELDS, events)
    return batch


def _defaults(model, present: list[str]) -> dict[str, Any]:
    """Model defaults for the concrete fields an insert does not name."""
    skip = {"id", "household_id", "village_id", "is_active", "created_at", "updated_at", *present}
    values = {}
    for field in model._meta.concrete_fields:
        if field.attname in skip:
            continue
        if field.has_default():
            values[field.attname] = _db_value(field.attname, field.get_default())
        elif field.null:
            values[field.attname] = None
        else:
            values[field.attname] = ""
    return values


def _ids_by_number(numbers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(numbers):
        found.update(
            Household.objects.filter(household_no__in=chunk).values_list("household_no", "pk")
        )
    return found


def _scopes_of_numbers(numbers: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(sorted(set(numbers))):
        found.update(
            Household.objects.filter(household_no__in=chunk).values_list(
                "household_no", "village__code"
            )
        )
    return found


def _village_codes_of(ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in _chunks(ids):
        found.update(Household.objects.filter(pk__in=chunk).values_list("pk", "village__code"))
    return found


def _apply_villages(plan: ImportPlan, actor, source: str, note: str, now: dt.datetime) -> None:
    for village, existing, diff, org_diff in plan.village_changes:
        if org_diff:
            OrgUnit.objects.filter(pk=village.pk).update(
                is_poor_village=org_diff["is_poor_village"][1]
            )
            village.is_poor_village = org_diff["is_poor_village"][1]
            audit.record(
                village, org_diff, actor=actor, action="导入修改", source=source, note=note
            )
        if diff:
            facts = existing or VillageFacts(village=village)
            for name, (_, new) in diff.items():
                setattr(facts, name, new)
            facts.updated_at = now
            facts.save()
            audit.record(
                facts,
                diff,
                actor=actor,
                action="导入新建" if existing is None else "导入修改",
                source=source,
                note=note,
            )


# ---------------------------------------------------------------------------------------------
# Single-record actions


EDITABLE_FIELDS = (
    "phone",
    "helper_name",
    "helper_unit",
    "helper_post",
    "helper_phone",
    "housing_grade",
    "housing_appraised_on",
    "relocation",
)


def update_household(user, household: Household, values: dict[str, Any]) -> dict[str, list]:
    """Edit a few household fields by hand (the rest comes through imports)."""
    require(user, "registry.edit", household)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"不可直接修改的字段：{'、'.join(sorted(unknown))}")
    with transaction.atomic():
        locked = Household.objects.select_for_update().get(pk=household.pk)
        changes = audit.diff(locked, values)
        if changes:
            for name in changes:
                setattr(locked, name, values[name])
            locked.updated_at = clock.now()
            locked.save(update_fields=[*changes, "updated_at"])
            audit.record(locked, changes, actor=user, action="修改", source="web")
    return changes


def close_household(user, household: Household, reason: str) -> None:
    """A household that leaves (moved away, died out, merged) is closed, never deleted."""
    require(user, "registry.edit", household)
    reason = reason.strip()
    if not reason:
        raise ValueError("请填写注销原因")
    with transaction.atomic():
        locked = Household.objects.select_for_update().get(pk=household.pk)
        if not locked.is_active:
            raise ValueError("该户已注销")
        now = clock.now()
        audit.apply_changes(
            locked,
            {"is_active": False, "closed_reason": reason[:200], "closed_at": now},
            actor=user,
            action="注销",
        )
        members = list(locked.members.filter(is_active=True))
        for person in members:
            person.is_active = False
            person.closed_reason = f"随户注销：{reason}"[:200]
            person.closed_at = now
        Person.objects.bulk_update(members, ["is_active", "closed_reason", "closed_at"])
        audit.record_many(
            [(p, {"is_active": [True, False]}) for p in members],
            actor=user,
            action="随户注销",
            source="web",
        )


def reopen_household(user, household: Household, reason: str) -> None:
    """Undo a closing: the household and the members closed with it are active again."""
    require(user, "registry.reopen", household)
    reason = reason.strip()
    if not reason:
        raise ValueError("请填写恢复原因")
    with transaction.atomic():
        locked = Household.objects.select_for_update().get(pk=household.pk)
        if locked.is_active:
            raise ValueError("该户未注销，无需恢复")
        closed_with_it = list(
            locked.members.filter(
                is_active=False, closed_at=locked.closed_at, closed_reason__startswith="随户注销"
            )
        )
        audit.apply_changes(
            locked,
            {"is_active": True, "closed_reason": "", "closed_at": None},
            actor=user,
            action="恢复",
            note=f"恢复原因：{reason}"[:200],
        )
        for person in closed_with_it:
            person.is_active = True
            person.closed_reason = ""
            person.closed_at = None
        Person.objects.bulk_update(closed_with_it, ["is_active", "closed_reason", "closed_at"])
        audit.record_many(
            [(p, {"is_active": [False, True]}) for p in closed_with_it],
            actor=user,
            action="随户恢复",
            source="web",
        )


_CODE_LENGTHS = (15, 12, 9, 6)  # group, village, town, county


def _common_scope(codes: list[str]) -> str:
    """The narrowest org code that holds every record shown (a whole code, never a cut one)."""
    if not codes:
        return ""
    low, high = min(codes), max(codes)  # the sorted extremes share the prefix all codes share
    same = next(
        (i for i, pair in enumerate(zip(low, high, strict=False)) if pair[0] != pair[1]), len(low)
    )
    prefix = low[:same]
    return next((prefix[:length] for length in _CODE_LENGTHS if len(prefix) >= length), "")


def record_personal_data_views(user, records: list[Any], what: str, via: str) -> None:
    """The log row of one output that showed ``records`` unmasked (registered with org.privacy)."""
    household = records[0] if len(records) == 1 and isinstance(records[0], Household) else None
    if len(records) > 1:
        what = f"{what}（{len(records)} 条记录）"
    PersonalDataView.objects.create(
        at=clock.now(),
        user=user,
        household=household,
        what=what[:100],
        via=via,
        scope_code=_common_scope([record.scope_code or "" for record in records]),
    )
