from __future__ import annotations

import io

import pytest

from tuopin.lib import clock
from tuopin.org.privacy import UNMASKED
from tuopin.registry.exporter import write_registry
from tuopin.registry.models import Household
from tuopin.synth.registry_gen import generate_households

NOW = "2018-07-20T10:00:00+08:00"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def registry(world):
    """The world's four villages filled with ~40–60 households each (seed 7)."""
    with clock.frozen(NOW):
        generate_households(
            [world.cg_village, world.cg_village2, world.df_village, world.df_village2],
            seed=7,
            mean_households_per_village=40,
            registered_rate_poor_village=0.3,
            registered_rate_other_village=0.1,
        )
    return world


@pytest.fixture
def exported(registry):
    """Export of the whole world registry as bytes."""
    buffer = io.BytesIO()
    villages = [
        registry.cg_village,
        registry.cg_village2,
        registry.df_village,
        registry.df_village2,
    ]
    write_registry(buffer, villages=villages, households=Household.objects.all(), shown=UNMASKED)
    return buffer.getvalue()
