"""The imported national comparison (``tuopin assess import-results``): where a county stands."""

from __future__ import annotations

from dataclasses import dataclass

from tuopin.assess.models import ComparisonArea, ComparisonImport


@dataclass(frozen=True)
class Standing:
    county: ComparisonArea
    rank: int  # by 贫困发生率, lowest first
    total: int
    batch: ComparisonImport


def ranked_counties(batch: ComparisonImport) -> list[ComparisonArea]:
    """The batch's counties by 贫困发生率, lowest first (unknown last)."""
    counties = list(batch.areas.filter(level="county"))
    counties.sort(key=lambda a: (a.incidence is None, a.incidence or 0, a.code))
    return counties


def standing(code: str) -> Standing | None:
    """The county containing ``code`` in the latest import, or ``None`` (no import, not in it)."""
    batch = ComparisonImport.objects.first()
    if batch is None or len(code) < 6:
        return None
    counties = ranked_counties(batch)
    for rank, county in enumerate(counties, start=1):
        if county.code == code[:6]:
            return Standing(county, rank, len(counties), batch)
    return None
