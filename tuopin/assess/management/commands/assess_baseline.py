"""``tuopin assess baseline``: keep this year's village income shares as next year's baseline."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.management.base import CommandError
from django.db import transaction

from tuopin.assess import engine
from tuopin.assess.management.commands._assess import AssessCommand
from tuopin.assess.models import VillageBaseline
from tuopin.org.models import OrgUnit


class Command(AssessCommand):
    help = "把各村当年“退出户人均纯收入占全县比例”记为该年度基数（次年“收入占比”一项与之比较）"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, help="记为哪一年的基数（默认为评估年度）")
        parser.add_argument("--replace", action="store_true", help="覆盖已有的基数")

    def handle(self, *args, **options) -> None:
        context = self.context(options)
        year = options.get("year") or int(context.params["assessment_year"])
        evaluation = engine.evaluate_area(context)
        villages = dict(
            OrgUnit.objects.filter(code__in=[v.code for v in evaluation.villages]).values_list(
                "code", "pk"
            )
        )
        written = skipped = unknown = 0
        with transaction.atomic():
            for verdict in evaluation.villages:
                item = verdict.items.get("income_share")
                if item is None:
                    raise CommandError(f"规则集 {context.ruleset.key} 没有村级“income_share”一项")
                if item.value is None:
                    unknown += 1
                    continue
                share = Decimal(item.value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                existing = VillageBaseline.objects.filter(
                    village_id=villages[verdict.code], year=year
                )
                if existing.exists() and not options["replace"]:
                    skipped += 1
                    continue
                VillageBaseline.objects.update_or_create(
                    village_id=villages[verdict.code], year=year, defaults={"income_share": share}
                )
                written += 1
        self.stdout.write(
            f"{year} 年基数：写入 {written} 个村，已有未覆盖 {skipped} 个，无数据 {unknown} 个"
            "（无数据：未设置全县农民人均纯收入，或村内没有已脱贫户）"
        )
