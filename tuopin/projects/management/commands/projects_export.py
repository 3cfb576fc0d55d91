"""``tuopin projects export FILE.xlsx`` — the whole ledger in the import layout."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tuopin.projects.exporter import write_projects
from tuopin.projects.models import Project


class Command(BaseCommand):
    help = "导出项目资金台账为导入格式的工作簿"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="输出的 .xlsx 文件")

    def handle(self, *args, file: str, **options) -> None:
        counts = write_projects(file, Project.objects.all())
        self.stdout.write(f"已导出 {counts['projects']} 个项目，{counts['funds']} 笔资金 → {file}")
