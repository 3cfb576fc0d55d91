"""Demo data of the plan app: the seed plan loaded through the parser into the demo county.

Deterministic and idempotent: a campaign with the seed's title in the county means "done".
Milestones without a numeric target that fell due before "now" are marked completed a few days
early, except one left overdue (chosen by the seed) so the demo shows a red item; numeric
progress comes from the units' weekly reports (reports_demo), not from here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from tuopin.lib import clock, planparse
from tuopin.org.models import OrgUnit
from tuopin.plan.actions import load_campaign, refresh_computed
from tuopin.plan.models import Campaign, Milestone

SEED_PLAN = Path(__file__).resolve().parents[1] / "plan" / "data" / "longxian_2018_bairichongci.txt"


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    text = SEED_PLAN.read_text(encoding="utf-8")
    parsed = planparse.parse(text)
    if Campaign.objects.filter(county=county, title=parsed["title"]).exists():
        log("作战计划已存在，跳过")
        return
    result = load_campaign(
        parsed,
        county,
        source="demo",
        source_name=SEED_PLAN.name,
        source_text=text,
        allow_unresolved=True,
    )
    campaign = result.campaign
    for warning in result.warnings:
        log(f"作战计划提示：{warning}")
    now = clock.now()
    rng = random.Random(f"{seed}:plan")
    past = list(
        Milestone.objects.filter(
            action__campaign=campaign, target_value=None, deadline__lt=now
        ).order_by("deadline", "action__number", "order")
    )
    left_overdue = rng.choice(past).pk if past else None
    completed = []
    for milestone in past:
        if milestone.pk == left_overdue:
            continue
        milestone.completed_at = milestone.deadline - dt.timedelta(
            days=rng.randint(1, 6), hours=rng.randint(0, 8)
        )
        completed.append(milestone)
    with transaction.atomic():
        Milestone.objects.bulk_update(completed, ["completed_at"])
    refresh_computed(campaign)
    log(
        f"作战计划：{campaign.actions.count()} 个专项行动，"
        f"{Milestone.objects.filter(action__campaign=campaign).count()} 个时间节点已导入"
    )
