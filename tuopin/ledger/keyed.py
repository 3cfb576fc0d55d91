"""Keyed sheets on the ledger engine: a sheet whose rows are records found by a key (a report
number, a person and a start date …). The engine reads and checks the cells; a ledger's own
rules turn rows into records; this compares them with what is stored (new / changed / unchanged,
with change lines) and writes a plan in one transaction with one audit event per record.

Used by the water, employment and collective-economy ledgers (tuopin.water, tuopin.jobs), for
a workbook and for one record entered on a form (``ledger.entry``: the same plan, ``entry=``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from tuopin.ledger.cells import LedgerPlan, chunks, plain, same
from tuopin.ledger.models import LedgerImport
from tuopin.lib import clock
from tuopin.org import audit


@dataclass(frozen=True)
class Ref:
    """A foreign key known by a code until apply time (the record may be new in the same file)."""

    model: type[models.Model]
    field: str
    value: Any


@dataclass
class Planned:
    """One sheet's changes."""

    key: str  # counts prefix, e.g. "points"
    model: type[models.Model]
    scope_path: str  # select_related path that gives the record its scope_code
    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[int, dict[str, list], dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class SheetsPlan(LedgerPlan):
    parts: list[Planned] = field(default_factory=list)
    place_codes: list[str] = field(default_factory=list)
    summary: str = ""  # the change counts as one Chinese line, for the review page

    @property
    def has_changes(self) -> bool:
        return any(part.new or part.changed for part in self.parts)


def compare(
    plan: SheetsPlan,
    part: Planned,
    rows: Sequence[tuple[tuple, str, dict[str, Any]]],
    key_fields: Sequence[str],
    headers: dict[str, str],
    shown: Callable[[str, Any], str] | None = None,
) -> None:
    """``rows``: (key, label, record); records whose key is stored are compared field by field."""
    model = part.model
    first = key_fields[0]
    wanted = sorted({key[0] for key, _, _ in rows if not isinstance(key[0], Ref)}, key=str)
    names = [name for name in (rows[0][2] if rows else {}) if name not in key_fields]
    existing: dict[tuple, dict[str, Any]] = {}
    for chunk in chunks(wanted):
        for row in model.objects.filter(**{f"{first}__in": chunk}).values(
            "pk", *key_fields, *names
        ):
            existing[tuple(row[k] for k in key_fields)] = row
    for key, label, record in rows:
        old = existing.get(tuple(_plain_key(k) for k in key))
        if old is None:
            part.new.append(record)
            continue
        diff = {
            name: [plain(old[name]), plain(value)]
            for name, value in record.items()
            if name not in key_fields and not isinstance(value, Ref) and not same(old[name], value)
        }
        if not diff:
            part.unchanged += 1
            continue
        part.changed.append((old["pk"], diff, record))
        for name, (before, after) in diff.items():
            if len(plan.change_lines) < 300:
                show = shown or (lambda _n, v: "（空）" if v in (None, "") else str(v))
                plan.change_lines.append(
                    f"{label} {headers.get(name, name)}：{show(name, before)} → {show(name, after)}"
                )
    plan.counts[f"{part.key}_added"] = len(part.new)
    plan.counts[f"{part.key}_changed"] = len(part.changed)
    plan.counts[f"{part.key}_unchanged"] = part.unchanged
    plan.parts.append(part)


def _plain_key(value: Any) -> Any:
    return value.value if isinstance(value, Ref) else value


class ImportNotAllowed(ValueError):
    pass


def _load_refs(records: Sequence[dict[str, Any]], cache: dict) -> None:
    """Resolve every ``Ref`` of ``records`` not yet known in one query per model, field and
    chunk (records new in the same file are written by then)."""
    wanted: dict[tuple[type[models.Model], str], set] = {}
    for record in records:
        for value in record.values():
            if isinstance(value, Ref) and (value.model, value.field, value.value) not in cache:
                wanted.setdefault((value.model, value.field), set()).add(value.value)
    for (model, name), values in wanted.items():
        for chunk in chunks(sorted(values, key=str)):
            for key, pk in model.objects.filter(**{f"{name}__in": chunk}).values_list(name, "pk"):
                cache[(model, name, key)] = pk


def _resolve(record: dict[str, Any], cache: dict) -> dict[str, Any]:
    return {
        name: cache[(value.model, value.field, value.value)] if isinstance(value, Ref) else value
        for name, value in record.items()
    }


def apply(
    plan: SheetsPlan,
    ledger: str,
    *,
    actor=None,
    source: str = "web",
    filename: str = "",
    sha256: str = "",
    after: Callable[[SheetsPlan, Any, str], None] | None = None,
    entry: str = "",
) -> LedgerImport | None:
    """Write a checked plan: everything or nothing, one history row per changed record.

    ``entry`` names a record entered on a form (e.g. “手机表单录入”): no import batch is kept,
    the history rows say 录入新建 / 录入修改 with that note."""
    if not plan.ok:
        raise ImportNotAllowed("导入文件有错误，未导入任何数据")
    now = clock.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    cache: dict = {}
    verb = "录入" if entry else "导入"
    with transaction.atomic():
        batch = None
        if entry:
            note = entry
        else:
            batch = LedgerImport.record(
                ledger, plan, at=now, actor=actor, filename=filename, sha256=sha256, source=source
            )
            note = batch.note
        for part in plan.parts:
            model = part.model
            _load_refs(part.new, cache)
            created = model.objects.bulk_create(
                [
                    model(**_resolve(record, cache), created_at=now, updated_at=now)
                    for record in part.new
                ],
                batch_size=2000,
            )
            shown = [
                row
                for chunk in chunks([row.pk for row in created])
                for row in model.objects.filter(pk__in=chunk).select_related(part.scope_path)
            ]
            audit.record_many(
                [(row, {}) for row in shown],
                actor=actor,
                action=f"{verb}新建",
                source=source,
                note=note,
                at=now,
            )
            rows = model.objects.select_related(part.scope_path).in_bulk(
                [pk for pk, _, _ in part.changed]
            )
            events = write_changes(model, rows, part.changed, now)
            audit.record_many(
                events, actor=actor, action=f"{verb}修改", source=source, note=note, at=now
            )
        if after is not None:
            after(plan, actor, source)
    return batch


def describe(parts: Sequence[tuple[str, str]]) -> Callable[[dict[str, int]], str]:
    """The change counts in one Chinese line, for parts (counts prefix, what) in order."""

    def line(counts: dict[str, int]) -> str:
        return "；".join(
            f"{what} 新增 {counts.get(key + '_added', 0)}，修改 {counts.get(key + '_changed', 0)}，"
            f"未变 {counts.get(key + '_unchanged', 0)}"
            for key, what in parts
        )

    return line


def in_scope(user, code: str) -> bool:
    if user is None or user.is_superuser:
        return True
    return user.scope_id is not None and code.startswith(user.scope.code)


def write_changes(model, rows: dict, changes, now) -> list[tuple]:
    """Write changed records: for each ``(pk, diff, record)`` the diff's fields from ``record``
    on ``rows[pk]`` and ``updated_at``, one ``bulk_update`` per set of changed fields. Returns
    ``(row, diff)`` pairs for the audit."""
    events = []
    by_fields: dict[tuple[str, ...], list] = {}
    for pk, diff, record in changes:
        row = rows[pk]
        for name in diff:
            setattr(row, name, record[name])
        row.updated_at = now
        by_fields.setdefault(tuple(sorted(diff)), []).append(row)
        events.append((row, diff))
    for names, group in by_fields.items():
        model.objects.bulk_update(group, [*names, "updated_at"], batch_size=1000)
    return events
