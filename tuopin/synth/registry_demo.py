"""Demo data for the registry: every rural household and person of the demo county."""

from __future__ import annotations

from collections.abc import Callable

from tuopin.org.models import OrgUnit
from tuopin.synth.registry_gen import generate_households


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    """~90k households / ~270k persons for Long County's villages (skips villages already done)."""
    villages = list(OrgUnit.objects.under(county.code).villages().order_by("code"))
    summary = generate_households(villages, seed=seed, log=log)
    if summary.villages:
        log(
            f"农户档案：{summary.villages} 个村，{summary.households:,} 户 {summary.persons:,} 人，"
            f"其中建档立卡 {summary.registered_households:,} 户 {summary.registered_persons:,} 人"
        )
    else:
        log("农户档案：已存在，跳过")
