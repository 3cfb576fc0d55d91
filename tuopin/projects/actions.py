"""State changes of the project ledger: write a checked import, add a progress photo. Each runs
in one transaction and records its history (org AuditEvent) in it."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from django.db import transaction

from tuopin.ledger.cells import chunks, common_prefix
from tuopin.ledger.models import LedgerImport
from tuopin.lib import clock
from tuopin.org import audit
from tuopin.org.models import OrgUnit
from tuopin.projects.importer import ProjectPlan
from tuopin.projects.models import FundAllocation, Project, ProjectPhoto

LEDGER = "projects"


class ImportNotAllowed(ValueError):
    pass


def apply_import(
    plan: ProjectPlan, *, actor=None, source: str = "web", filename: str = "", sha256: str = ""
) -> LedgerImport:
    """Write a checked plan: everything or nothing, with one history row per changed record."""
    if not plan.ok:
        raise ImportNotAllowed("导入文件有错误，未导入任何数据")
    now = clock.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        batch = LedgerImport.objects.create(
            ledger=LEDGER,
            at=now,
            actor=actor,
            filename=filename[:255],
            sha256=sha256,
            source=source,
            summary=plan.counts,
            scope_code=common_prefix(plan.place_codes),
        )
        note = f"导入 {filename}（批次 {batch.pk}）"
        created = Project.objects.bulk_create(
            [Project(**row, created_at=now, updated_at=now) for row in plan.new_projects],
            batch_size=2000,
        )
        places = OrgUnit.objects.in_bulk({project.place_id for project in created})
        for project in created:
            project.place = places[project.place_id]  # the history's scope code, no query each
        audit.record_many(
            [(project, {}) for project in created],
            actor=actor,
            action="导入新建",
            source=source,
            note=note,
            at=now,
        )
        changed = _changed(Project.objects.select_related("place"), plan.changed_projects, now)
        audit.record_many(changed, actor=actor, action="导入修改", source=source, note=note, at=now)
        ids: dict[str, int] = {}
        for chunk in chunks(sorted({row["project_code"] for row in plan.new_funds})):
            ids.update(Project.objects.filter(code__in=chunk).values_list("code", "pk"))
        funds = FundAllocation.objects.bulk_create(
            [
                FundAllocation(
                    project_id=ids[row["project_code"]],
                    **{k: v for k, v in row.items() if k != "project_code"},
                    created_at=now,
                    updated_at=now,
                )
                for row in plan.new_funds
            ],
            batch_size=2000,
        )
        fund_events = [(fund, {}) for fund in _with_places(funds)]
        audit.record_many(
            fund_events, actor=actor, action="导入新建", source=source, note=note, at=now
        )
        fund_changes = _changed(
            FundAllocation.objects.select_related("project__place"), plan.changed_funds, now
        )
        audit.record_many(
            fund_changes, actor=actor, action="导入修改", source=source, note=note, at=now
        )
    return batch


def _changed(queryset, changes: list[tuple], now) -> list[tuple]:
    """Apply planned changes (pk, label, diff, values) with one UPDATE per changed field set."""
    rows = queryset.in_bulk([pk for pk, *_ in changes])
    by_fields: dict[tuple[str, ...], list] = {}
    events = []
    for pk, _label, diff, record in changes:
        row = rows[pk]
        for name in diff:
            setattr(row, name, record[name])
        row.updated_at = now
        by_fields.setdefault(tuple(sorted(diff)), []).append(row)
        events.append((row, diff))
    for names, group in by_fields.items():
        queryset.model.objects.bulk_update(group, [*names, "updated_at"], batch_size=1000)
    return events


def _with_places(funds: list[FundAllocation]) -> list[FundAllocation]:
    """The created rows again with their project and place, for the history's scope code."""
    return list(
        FundAllocation.objects.filter(pk__in=[f.pk for f in funds]).select_related("project__place")
    )


def add_photo(
    project: Project,
    upload,
    *,
    actor,
    taken_at: dt.datetime | None,
    latitude: Decimal | None,
    longitude: Decimal | None,
    note: str = "",
) -> ProjectPhoto:
    now = clock.now()
    with transaction.atomic():
        photo = ProjectPhoto(
            project=project,
            taken_at=taken_at or now,
            latitude=latitude,
            longitude=longitude,
            note=note[:200],
            uploaded_by=actor,
            uploaded_at=now,
        )
        photo.image.save(_photo_name(upload.name or "photo.jpg"), upload, save=False)
        photo.save()
        audit.record(
            project,
            {"photos": [None, f"{photo.taken_at.astimezone(clock.SHANGHAI):%Y-%m-%d %H:%M}"]},
            actor=actor,
            action="上传进度照片",
            source="web",
            note=note[:200],
        )
    return photo


def _photo_name(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return f"photo{suffix if suffix in ('.jpg', '.jpeg', '.png') else '.jpg'}"
