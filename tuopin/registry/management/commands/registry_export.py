"""``tuopin registry export CODE FILE.xlsx`` — the same layout the import reads;
``tuopin registry export --format parquet DIR [--area CODE]`` — Parquet for a Spark cluster."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tuopin.org import privacy
from tuopin.org.models import Level, OrgUnit
from tuopin.registry import parquet
from tuopin.registry.exporter import write_registry
from tuopin.registry.models import Household


class Command(BaseCommand):
    help = (
        "导出某区划（县、镇或村代码）的农户档案为导入格式的工作簿（含完整证件号码）；"
        "或用 --format parquet 导出为按省、县分区的 Parquet 文件夹（供 Spark 集群评估）"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "targets",
            nargs="+",
            metavar="CODE FILE | DIR",
            help="xlsx：区划代码和输出的 .xlsx 文件；parquet：输出文件夹",
        )
        parser.add_argument("--format", choices=["xlsx", "parquet"], default="xlsx")
        parser.add_argument(
            "--area",
            help="parquet：只导出（或重新导出）该区划内的县，如 610327；默认为数据库中的全部县",
        )

    def handle(self, *args, targets: list[str], **options) -> None:
        if options["format"] == "parquet":
            if len(targets) != 1:
                raise CommandError(
                    "用法：tuopin registry export --format parquet DIR [--area CODE]"
                )
            self.export_parquet(targets[0], options.get("area"))
            return
        if len(targets) != 2:
            raise CommandError("用法：tuopin registry export CODE FILE.xlsx")
        code, file = targets
        scope = OrgUnit.objects.filter(code=code).first()
        if scope is None:
            raise CommandError(f"区划代码不存在：{code}")
        villages = list(OrgUnit.objects.under(code).filter(level=Level.VILLAGE).order_by("code"))
        # The operator's shell has the database anyway: the full export is for migrations/backups.
        counts = write_registry(
            file,
            villages=villages,
            households=Household.objects.under(code),
            shown=privacy.UNMASKED,
        )
        self.stdout.write(
            f"已导出 {scope.name}：{counts['villages']} 个村，{counts['households']} 户，{counts['persons']} 人 → {file}"
        )

    def export_parquet(self, directory: str, area: str | None) -> None:
        counties = OrgUnit.objects.filter(level=Level.COUNTY).order_by("code")
        if area:
            if not OrgUnit.objects.filter(code=area).exists():
                raise CommandError(f"区划代码不存在：{area}")
            counties = [c for c in counties if c.code.startswith(area) or area.startswith(c.code)]
        counties = list(counties)
        if not counties:
            raise CommandError("没有可导出的县")
        try:
            manifest = parquet.export(directory, counties, log=self.stdout.write)
        except (parquet.ExportError, ValueError) as error:
            raise CommandError(str(error)) from None
        counts = manifest["counts"]
        self.stdout.write(
            f"已导出 {len(counties)} 个县 → {directory}（导出共 {len(manifest['counties'])} 个县，"
            f"{counts['villages']} 个村，{counts['households']} 户，{counts['persons']} 人）"
        )
