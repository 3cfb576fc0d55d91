"""Who sees a sector ledger: HQ all, a town or village its own places, and the county department
that runs the sector (水利局 for water, 人社局 for jobs, 农业农村局 for the collective economy)
the whole county read-only. Changing stays with HQ and the towns (capabilities in org.access)."""

from __future__ import annotations

from django.db.models import Q

from tuopin.org.access import NOTHING, visible_q

SECTOR_WORDS = {
    "water": ("水利", "水务"),
    "jobs": ("人社", "人力资源和社会保障", "就业"),
    "economy": ("农业农村", "农业", "农经"),
}


def is_sector_department(user, sector: str) -> bool:
    unit = getattr(user, "unit", None) if getattr(user, "unit_id", None) else None
    if unit is None or not user.is_active:
        return False
    names = (unit.name, unit.short_name, *(unit.aliases or []))
    return any(word in (name or "") for word in SECTOR_WORDS[sector] for name in names)


def sector_q(user, sector: str, code_path: str) -> Q:
    """The rows ``user`` may see: their places, or all of them for the sector's department."""
    if user is None or not user.is_authenticated:
        return NOTHING
    if is_sector_department(user, sector):
        return Q()
    return visible_q(user, code_path=code_path)


def sees_sector(user, sector: str) -> bool:
    """Whether the sector's pages have anything for ``user`` (a place, or the department)."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.scope_id is not None or is_sector_department(user, sector))
    )
