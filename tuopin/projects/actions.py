"""State changes of the project ledger: write a checked import, add a progress photo. Each runs
in one transaction and records its history (org AuditEvent) in it."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from django.db import transaction

from tuopin.ledger import keyed
from tuopin.ledger.models import LedgerImport
from tuopin.lib import clock
from tuopin.org import audit
from tuopin.projects.importer import ProjectPlan
from tuopin.projects.models import Project, ProjectPhoto

LEDGER = "projects"
ImportNotAllowed = keyed.ImportNotAllowed


def apply_import(
    plan: ProjectPlan, *, actor=None, source: str = "web", filename: str = "", sha256: str = ""
) -> LedgerImport:
    """Write a checked plan: everything or nothing, with one history row per changed record."""
    return keyed.apply(plan, LEDGER, actor=actor, source=source, filename=filename, sha256=sha256)


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
