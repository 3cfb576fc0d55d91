"""State changes of the household files: write a checked import, record a visit, record a 七到户
item, open a 回头看 round and turn a gap into a 整改 case. Each runs in one transaction and
records its history (org AuditEvent) in it."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from django.db import connection, transaction

from tuopin.households.importer import MODELS, FilesPlan
from tuopin.households.models import (
    Assignment,
    Base,
    Helper,
    Renovation,
    SevenItemRecord,
    Visit,
)
from tuopin.ledger import fastdb
from tuopin.ledger.cells import chunks
from tuopin.ledger.keyed import write_changes
from tuopin.ledger.models import LedgerImport
from tuopin.lib import clock
from tuopin.org import audit
from tuopin.org.models import AuditEvent, OrgUnit
from tuopin.registry.models import Household

LEDGER = "households"


class ImportNotAllowed(ValueError):
    pass


def _related(model):
    return (
        model.objects.select_related("place")
        if model is Base
        else model.objects.select_related("household__village")
    )


def apply_import(
    plan: FilesPlan,
    *,
    actor=None,
    source: str = "web",
    filename: str = "",
    sha256: str = "",
    form: str = "",
) -> LedgerImport | None:
    """Write a checked plan: everything or nothing, with one history row per changed record;
    an accepted renovation's grade updates the household's 住房等级 (with its own history).

    ``form`` names a page form that was checked as a one-row sheet (e.g. 手机录入帮扶措施): its
    history says so and no import batch is recorded."""
    if not plan.ok:
        raise ImportNotAllowed("导入文件有错误，未导入任何数据")
    now = clock.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    with fastdb.without_gc(), transaction.atomic():
        batch = None
        if form:
            note = form
        else:
            batch = LedgerImport.record(
                LEDGER, plan, at=now, actor=actor, filename=filename, sha256=sha256, source=source
            )
            note = batch.note
        for key in ("bases", "measures", "renovations", "relocations"):
            model = MODELS[key]
            new = plan.new.get(key, [])
            changed = plan.changed.get(key, [])
            if key == "measures":
                _resolve_bases(new, changed)
            created = _insert(model, new, now, actor, source, note, plan.households, form)
            events = _changed(_related(model), changed, now)
            audit.record_many(
                events,
                actor=actor,
                action="修改" if form else "导入修改",
                source=source,
                note=note,
                at=now,
            )
            if key == "renovations":
                accepted = [row for row in created if row.grade_after]
                accepted += [
                    row for row, diff in events if "grade_after" in diff and row.grade_after
                ]
                update_grades(accepted, actor=actor, source=source)
    return batch


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


def _insert(model, rows: list[dict], now, actor, source: str, note: str, households, form) -> list:
    """Insert new rows in bulk (COPY on PostgreSQL) with one history row each; returns the
    created renovations (for the registry's housing grade), nothing for the other files."""
    if not rows:
        return []
    given = list(rows[0])
    defaults = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.attname not in given
        and f.name not in ("created_at", "updated_at")
    ]
    fields = [*given, *(f.attname for f in defaults), "created_at", "updated_at"]
    at = fastdb.db_datetime(now)
    fixed = (*(f.get_db_prep_save(f.get_default(), connection) for f in defaults), at, at)
    ids = fastdb.insert_new(model, fields, [(*row.values(), *fixed) for row in rows])
    if model is Base:
        places = dict(
            OrgUnit.objects.filter(pk__in={row["place_id"] for row in rows}).values_list(
                "pk", "code"
            )
        )
        made = [
            (pk, row["name"], places[row["place_id"]]) for pk, row in zip(ids, rows, strict=True)
        ]
    else:
        made = [(pk, *households[row["household_id"]]) for pk, row in zip(ids, rows, strict=True)]
    actor_id = actor.pk if actor is not None else None
    changes = fastdb.db_json({})
    model_label = model._meta.label_lower
    what = str(model._meta.verbose_name)
    note = note[:500]
    events = (
        (
            at,
            actor_id,
            "新建" if form else "导入新建",
            model_label,
            str(pk),
            f"{what} {name}"[:200],
            changes,
            source,
            note,
            code,
        )
        for pk, name, code in made
    )
    fastdb.insert_rows(AuditEvent, _EVENT_FIELDS, events)
    if model is Renovation:
        accepted = [pk for pk, row in zip(ids, rows, strict=True) if row.get("grade_after")]
        return [
            renovation
            for chunk in chunks(accepted)
            for renovation in Renovation.objects.filter(pk__in=chunk).select_related(
                "household__village"
            )
        ]
    return []


def _resolve_bases(new: list[dict], changed: list[tuple]) -> None:
    """Bases created by the same import get their ids now."""
    codes = {row["base_code"] for row in new if "base_code" in row}
    codes |= {record["base_code"] for *_, record in changed if "base_code" in record}
    ids = dict(Base.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}
    for row in new:
        if "base_code" in row:
            row["base_id"] = ids[row.pop("base_code")]
    for _pk, _label, diff, record in changed:
        if "base_code" in record:
            record["base_id"] = ids[record.pop("base_code")]
            if "base_id" in diff:
                diff["base_id"][1] = record["base_id"]


def _changed(queryset, changes: list[tuple], now) -> list[tuple]:
    rows = queryset.in_bulk([pk for pk, *_ in changes])
    return write_changes(queryset.model, rows, [(pk, d, r) for pk, _l, d, r in changes], now)


def update_grades(renovations: list[Renovation], *, actor, source: str) -> int:
    """The housing grade after acceptance goes to the registry, with the household's history."""
    now = clock.now()
    changed = []
    for renovation in renovations:
        household = renovation.household
        if household.housing_grade == renovation.grade_after:
            continue
        diff = {
            "housing_grade": [household.housing_grade, renovation.grade_after],
            "housing_appraised_on": [
                household.housing_appraised_on.isoformat()
                if household.housing_appraised_on
                else None,
                renovation.accepted_on.isoformat(),
            ],
        }
        household.housing_grade = renovation.grade_after
        household.housing_appraised_on = renovation.accepted_on
        household.updated_at = now
        changed.append((household, diff))
    Household.objects.bulk_update(
        [h for h, _ in changed], ["housing_grade", "housing_appraised_on", "updated_at"]
    )
    audit.record_many(
        changed,
        actor=actor,
        action="危房改造验收更新住房等级",
        source=source,
        note="危房改造验收",
        at=now,
    )
    return len(changed)


def record_visit(
    *,
    household: Household,
    helper,
    visited_on: dt.date,
    what: str,
    actor,
    photo=None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    source: str = "web",
) -> Visit:
    now = clock.now()
    with transaction.atomic():
        visit = Visit(
            household=household,
            helper=helper,
            visited_on=visited_on,
            what=what[:500],
            latitude=latitude,
            longitude=longitude,
            recorded_by=actor if actor is not None and actor.is_authenticated else None,
            created_at=now,
            updated_at=now,
        )
        if photo is not None:
            suffix = os.path.splitext(photo.name or "")[1].lower()
            name = f"visit{suffix if suffix in ('.jpg', '.jpeg', '.png') else '.jpg'}"
            visit.photo.save(name, photo, save=False)
        visit.save()
        audit.record(
            visit,
            {"visited_on": [None, visited_on.isoformat()], "what": [None, what[:200]]},
            actor=actor,
            action="记录走访",
            source=source,
        )
    return visit


def record_seven_items(
    *, household: Household, items: dict[str, tuple[dt.date, str]], actor, source: str = "web"
) -> int:
    """Set the given 七到户 items (item → (date, who)); returns how many changed."""
    now = clock.now()
    changed = 0
    with transaction.atomic():
        existing = {
            r.item: r
            for r in SevenItemRecord.objects.select_for_update().filter(household=household)
        }
        for item, (done_on, done_by) in items.items():
            old = existing.get(item)
            if old is not None and (old.done_on, old.done_by) == (done_on, done_by):
                continue
            diff = {
                "done_on": [old.done_on.isoformat() if old else None, done_on.isoformat()],
                "done_by": [old.done_by if old else None, done_by],
            }
            if old is None:
                old = SevenItemRecord(household=household, item=item, created_at=now)
            old.done_on, old.done_by, old.updated_at = done_on, done_by, now
            old.save()
            audit.record(old, diff, actor=actor, action="填写七到户", source=source)
            changed += 1
    return changed


def attach_evidence(measure, upload, *, actor) -> None:
    """Keep a measure's evidence file (the previous one is replaced), with history."""
    now = clock.now()
    suffix = os.path.splitext(upload.name or "")[1].lower()[:8] or ".bin"
    with transaction.atomic():
        before = measure.evidence.name or None
        measure.evidence.save(f"evidence{suffix}", upload, save=False)
        measure.updated_at = now
        measure.save(update_fields=["evidence", "updated_at"])
        audit.record(
            measure,
            {"evidence": [before, measure.evidence.name]},
            actor=actor,
            action="上传佐证材料",
        )


def assign_helper(households: list[Household], helper: Helper, *, actor, since: dt.date) -> int:
    """Pair ``helper`` with each household (replacing its helper), one history entry per
    household whose helper changes (old → new); returns how many changed."""
    now = clock.now()
    changed = []
    with transaction.atomic():
        if helper.pk is None:
            helper.save()
            audit.record(
                helper,
                {"name": [None, helper.name], "unit": [None, helper.unit]},
                actor=actor,
                action="新增帮扶责任人",
            )
        current = {
            a.household_id: a
            for a in Assignment.objects.select_for_update()
            .select_related("helper")
            .filter(household__in=[h.pk for h in households])
        }
        for household in households:
            old = current.get(household.pk)
            if old is not None and old.helper_id == helper.pk:
                continue
            diff = {"helper": [str(old.helper) if old else None, str(helper)]}
            if old is None:
                old = Assignment(household=household, created_at=now)
            old.helper, old.since, old.updated_at = helper, since, now
            old.save()
            changed.append((old, diff))
        audit.record_many(changed, actor=actor, action="结对帮扶", source="web", at=now)
    return len(changed)
