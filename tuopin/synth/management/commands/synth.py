from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from tuopin.org.models import Level, OrgUnit
from tuopin.synth.county import build_county, build_province
from tuopin.synth.registry_gen import generate_households

PEOPLE_PER_COUNTY = 270_000  # Long County's rural population
PEOPLE_PER_PROVINCE_COUNTY = 30_000  # 100 counties ≈ 1M households for the benchmarks
PERSONS_PER_HOUSEHOLD = 3


class Command(BaseCommand):
    help = (
        "生成模拟数据：--scale county（陇县，默认）或 --scale province（约100个县，用于性能测试）。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scale", choices=["county", "province"], default="county")
        parser.add_argument("--counties", type=int, default=100, help="省级规模时的县数")
        parser.add_argument(
            "--people-per-county",
            type=int,
            default=None,
            help="每县农村人口（县级默认约27万，省级默认约3万，使全省约100万户）",
        )

    def handle(
        self, *args, seed: int, scale: str, counties: int, people_per_county: int | None, **options
    ) -> None:
        if people_per_county is not None and people_per_county < 0:
            raise CommandError(f"--people-per-county 不能为负数（收到 {people_per_county}）")
        started = time.perf_counter()
        if scale == "county":
            build = build_county(seed=seed, log=self.stdout.write)
            targets = [build.county]
        else:
            try:
                targets = build_province(counties, seed=seed, log=self.stdout.write)
            except ValueError as error:
                raise CommandError(str(error)) from None
        people = (
            people_per_county
            if people_per_county is not None
            else (PEOPLE_PER_COUNTY if scale == "county" else PEOPLE_PER_PROVINCE_COUNTY)
        )
        if people:
            villages = list(
                OrgUnit.objects.filter(level=Level.VILLAGE, parent__parent__in=targets).order_by(
                    "code"
                )
            )
            per_village = max(
                1, round(people / PERSONS_PER_HOUSEHOLD / (len(villages) / len(targets)))
            )
            summary = generate_households(
                villages, seed=seed, mean_households_per_village=per_village, log=self.stdout.write
            )
            self.stdout.write(
                f"农户档案：{summary.households:,} 户 {summary.persons:,} 人，"
                f"其中建档立卡 {summary.registered_households:,} 户 {summary.registered_persons:,} 人"
            )
        self.stdout.write(f"完成，用时 {time.perf_counter() - started:.1f} 秒")
