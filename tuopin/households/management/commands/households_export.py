"""``tuopin households export FILE.xlsx`` — every household file in the import layout."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tuopin.households.exporter import write_files
from tuopin.registry.models import Household


class Command(BaseCommand):
    help = "导出帮扶档案为导入格式的工作簿"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="输出的 .xlsx 文件")

    def handle(self, *args, file: str, **options) -> None:
        counts = write_files(file, Household.objects.filter(is_registered=True))
        shown = "，".join(f"{name} {count} 行" for name, count in counts.items())
        self.stdout.write(f"已导出 {shown} → {file}")
