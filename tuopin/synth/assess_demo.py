"""Demo data for the exit assessment: HQ's parameter settings, last year's village baselines,
and one drill with part of its visits recorded (deterministic for a seed, idempotent)."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from tuopin.lib import clock
from tuopin.org.models import OrgUnit, Role, User

# Statistics-bureau figures HQ would enter (illustrative, in the range Baoji's counties
# reported for 2017: rural per-capita disposable income about 10,000 yuan, Shaanxi about 10,265).
COUNTY_PARAMETERS = {
    "county_rural_income": ("9800", "县统计局 2017 年农村居民人均纯收入（演示数据）"),
    "county_rural_disposable_income": (
        "9650",
        "县统计局 2017 年农村居民人均可支配收入（演示数据）",
    ),
    "province_rural_disposable_income": (
        "10265",
        "陕西省 2017 年农村居民人均可支配收入（演示数据）",
    ),
}


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    from tuopin.assess import actions, engine
    from tuopin.assess.models import Approval, Drill, RuleParameter, VillageBaseline

    if Drill.objects.filter(area=county).exists():
        log("退出评估：已存在，跳过")
        return
    hq = User.objects.filter(role=Role.HQ_ADMIN, scope=county).order_by("pk").first()
    if hq is None:
        log("退出评估：没有县脱贫办管理员账号，跳过")
        return
    today = clock.today()
    context = engine.context_for(county.code, as_of=today)
    rng = random.Random(f"assess-demo:{seed}")
    with transaction.atomic():
        for name, (value, note) in COUNTY_PARAMETERS.items():
            if not RuleParameter.objects.filter(
                ruleset=context.ruleset.key, name=name, scope_code=county.code
            ).exists():
                actions.set_parameter(
                    hq, ruleset_key=context.ruleset.key, name=name, value=value, note=note
                )
        villages = list(OrgUnit.objects.under(county.code).villages().order_by("code"))
        VillageBaseline.objects.bulk_create(
            [
                VillageBaseline(
                    village=village,
                    year=today.year - 1,
                    income_share=Decimal(rng.randint(3800, 6200)) / 100,
                )
                for village in villages
            ],
            ignore_conflicts=True,
        )
    drill = actions.create_drill(
        hq, area=county, seed=seed, as_of=today, villages=25, households=1500
    )
    visitor = User.objects.filter(role=Role.INSPECTOR).order_by("pk").first() or hq
    rows = list(drill.households.order_by("sequence"))
    visited = rows[: len(rows) * 2 // 5]
    with transaction.atomic():
        for sampled in visited:
            # Visitors mostly confirm the system's verdict; a few disagree either way.
            meets = sampled.predicted_pass if rng.random() < 0.97 else not sampled.predicted_pass
            approval = rng.choices(
                [Approval.APPROVE, Approval.DISAPPROVE, Approval.UNSURE], weights=[93, 3, 4]
            )[0]
            actions.record_visit(
                visitor, sampled, meets_standard=meets, approval=approval, source="demo"
            )
    log(
        f"退出评估：评估参数 {len(COUNTY_PARAMETERS)} 项，上年基数 {len(villages)} 村，"
        f"预评估演练样本 {len(rows)} 户（已走访 {len(visited)} 户）"
    )
