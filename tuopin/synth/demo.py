"""Assembling the demo: the county, then each app's demo data in dependency order."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable

from tuopin.org.models import OrgUnit
from tuopin.synth.county import build_county

# Each module defines populate(county, *, seed, log); the order follows the apps' floors.
POPULATORS = [
    "tuopin.synth.registry_demo",
    "tuopin.synth.plan_demo",
    "tuopin.synth.reports_demo",
    "tuopin.synth.cases_demo",
    "tuopin.synth.projects_demo",
    "tuopin.synth.villages_demo",
    "tuopin.synth.water_demo",
    "tuopin.synth.households_demo",
    "tuopin.synth.assess_demo",
    "tuopin.synth.command_demo",
    "tuopin.synth.indicators_demo",
    "tuopin.synth.bulletin_demo",
]


def populate_all(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    for module_name in POPULATORS:
        if importlib.util.find_spec(module_name) is None:
            continue
        importlib.import_module(module_name).populate(county, seed=seed, log=log)


def build_demo(*, seed: int = 1, log: Callable[[str], None] = print):
    build = build_county(seed=seed, log=log)
    populate_all(build.county, seed=seed, log=log)
    return build
