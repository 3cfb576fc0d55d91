from __future__ import annotations

import importlib.util
import time

from django.core.management.base import BaseCommand, CommandError

from tuopin.synth.county import build_county, build_province


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
        started = time.perf_counter()
        if scale == "county":
            build = build_county(seed=seed, log=self.stdout.write)
            targets = [build.county]
        else:
            try:
                targets = build_province(counties, seed=seed, log=self.stdout.write)
            except ValueError as error:
                raise CommandError(str(error)) from None
        if people_per_county is not None and people_per_county < 0:
            raise CommandError("--people-per-county 不能为负数")
        if importlib.util.find_spec("tuopin.synth.registry_demo") is not None:
            from tuopin.synth import registry_demo

            people = (
                people_per_county
                if people_per_county is not None
                else (None if scale == "county" else 30000)
            )
            registry_demo.populate_many(
                targets, seed=seed, people_per_county=people, log=self.stdout.write
            )
        self.stdout.write(f"完成，用时 {time.perf_counter() - started:.1f} 秒")
