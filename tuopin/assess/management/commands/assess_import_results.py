"""``tuopin assess import-results DIR``: a Spark roll-up's results, for the 全国对比 page."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tuopin.assess.models import ComparisonArea, ComparisonImport
from tuopin.lib import clock
from tuopin.org import audit

LEVELS = ("county", "city", "province", "nation")


def _number(value, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CommandError(f"{where} 应为数字，实际为“{str(value)[:40]}”")
    return float(value)


def _figures(raw, where: str) -> dict[str, float | None]:
    if not isinstance(raw, dict):
        raise CommandError(f"{where} 应为对象")
    return {str(key)[:60]: _number(value, f"{where}.{key}") for key, value in raw.items()}


class Command(BaseCommand):
    help = "导入 Spark 汇总结果（tuopin assess county --engine spark --level … --out DIR 写出的文件夹），供“全国对比”页面显示"

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", help="汇总结果文件夹")

    def handle(self, *args, directory: str, **options) -> None:
        from tuopin.assess import spark
        from tuopin.registry.parquet import ExportError

        try:
            document = spark.read_results(directory)
        except ExportError as error:
            raise CommandError(str(error), returncode=spark.EXIT_BAD_SOURCE) from None
        try:
            as_of = dt.date.fromisoformat(str(document.get("as_of")))
        except ValueError:
            raise CommandError("结果中的评估基准日无效") from None
        areas = []
        for index, row in enumerate(document["areas"], start=1):
            where = f"第 {index} 个区划"
            if not isinstance(row, dict) or row.get("level") not in LEVELS:
                raise CommandError(f"{where}：层级应为 {'/'.join(LEVELS)} 之一")
            households = row.get("households")
            if not isinstance(households, int) or households < 0:
                raise CommandError(f"{where}：户数应为非负整数")
            passed = row.get("passed")
            if passed is not None and not isinstance(passed, bool):
                raise CommandError(f"{where}：达标应为 true/false/null")
            areas.append(
                ComparisonArea(
                    level=row["level"],
                    code=str(row.get("code") or "")[:15],
                    name=str(row.get("name") or "")[:100],
                    parent=str(row.get("parent") or "")[:15],
                    households=households,
                    incidence=_number(row.get("incidence"), f"{where} 贫困发生率"),
                    rates=_figures(row.get("rates", {}), f"{where} rates"),
                    risks=_figures(row.get("risks", {}), f"{where} risks"),
                    pass_rates=_figures(row.get("pass_rates", {}), f"{where} pass_rates"),
                    passed=passed,
                )
            )
        with transaction.atomic():
            ComparisonImport.objects.all().delete()
            batch = ComparisonImport.objects.create(
                imported_at=clock.now(),
                source=str(directory)[:500],
                level=str(document.get("level", ""))[:20],
                ruleset=str(document.get("ruleset", ""))[:40],
                ruleset_version=str(document.get("ruleset_version", ""))[:40],
                as_of=as_of,
                counties=sum(1 for area in areas if area.level == "county"),
            )
            for area in areas:
                area.batch = batch
            ComparisonArea.objects.bulk_create(areas, batch_size=2000)
            audit.record(
                batch,
                {"counties": [None, batch.counties]},
                action="导入全国对比结果",
                source="cli",
                note=str(directory)[:200],
            )
        self.stdout.write(
            f"已导入 {batch.counties} 个县的评估结果（{len(areas)} 个区划，基准日 {as_of}）"
        )
