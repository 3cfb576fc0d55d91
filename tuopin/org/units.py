"""Resolving the responsible-unit wording of a plan (县委办、各镇、“八办七组”成员单位 …)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tuopin.org.models import OrgUnit, ResponsibleUnit, UnitGroup, UnitKind

SEPARATORS = re.compile(r"[、，,；;/\s]+")
QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")
EVERY_TOWN = {"各镇", "各镇（街道）", "各镇街", "各乡镇", "各镇办", "各镇人民政府", "各镇政府"}


@dataclass
class Resolution:
    units: list[ResponsibleUnit] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def split_phrase(phrase: str) -> list[str]:
    return [token for token in SEPARATORS.split(phrase.strip()) if token]


def resolve(phrase: str, county: OrgUnit) -> Resolution:
    """Expand a 责任单位 phrase into units of ``county``; unknown names are reported, not dropped."""
    result = Resolution()
    seen: set[int] = set()
    units = list(
        ResponsibleUnit.objects.filter(
            org_unit__code__startswith=county.code, is_active=True
        ).select_related("org_unit")
    )
    by_name: dict[str, ResponsibleUnit] = {}
    for unit in units:
        for name in [unit.name, unit.short_name, *unit.aliases]:
            if name:
                by_name.setdefault(name, unit)
    groups = {}
    for group in UnitGroup.objects.prefetch_related("members"):
        for name in [group.name, *group.aliases]:
            groups[name] = group

    def add(unit: ResponsibleUnit) -> None:
        if unit.pk not in seen:
            seen.add(unit.pk)
            result.units.append(unit)

    for token in split_phrase(phrase):
        plain = token.translate(QUOTES)
        if plain in EVERY_TOWN:
            for unit in sorted(
                (u for u in units if u.kind == UnitKind.TOWN), key=lambda u: u.org_unit.code
            ):
                add(unit)
            continue
        group_name = plain.removesuffix("成员单位").removesuffix("各成员单位")
        if group_name in groups or plain in groups:
            group = groups.get(group_name) or groups[plain]
            for unit in group.members.order_by("name"):
                add(unit)
            continue
        unit = by_name.get(plain) or by_name.get("县" + plain)
        if unit is None:
            result.unresolved.append(token)
        else:
            add(unit)
    return result
