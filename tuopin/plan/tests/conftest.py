from __future__ import annotations

from pathlib import Path

import pytest

from tuopin.org.models import ResponsibleUnit, UnitKind
from tuopin.org.testing import World

FIXTURES = Path(__file__).parent / "fixtures"
SEED = Path(__file__).parents[1] / "data" / "longxian_2018_bairichongci.txt"

# The county departments the seed names, beyond the few the `world` fixture has.
SEED_DEPARTMENTS = [
    "县委办",
    "县委组织部",
    "县委宣传部",
    "县委政法委",
    "县人大办",
    "县政府办",
    "县政协办",
    "县纪委",
    "县人社局",
    "县发改局",
    "县信访局",
    "县农业局",
    "县国土局",
    "县住建局",
    "县水利局",
    "县电力局",
]


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def seed_units(world: World) -> World:
    """The world plus every unit the seed names, so the seed loads without refusal."""
    for name in SEED_DEPARTMENTS:
        ResponsibleUnit.objects.create(name=name, kind=UnitKind.DEPARTMENT, org_unit=world.county)
    ResponsibleUnit.objects.create(
        name="县监委", aliases=["监委"], kind=UnitKind.DEPARTMENT, org_unit=world.county
    )
    return world


@pytest.fixture
def campaign(seed_units, seed_text):
    from tuopin.lib import planparse
    from tuopin.plan.actions import load_campaign

    return load_campaign(
        planparse.parse(seed_text), seed_units.county, source_name="seed.txt"
    ).campaign
