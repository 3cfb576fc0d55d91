"""``tuopin registry template FILE.xlsx`` — the empty import template with drop-down lists."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tuopin.registry.exporter import write_template


class Command(BaseCommand):
    help = "生成农户档案导入模板（含表头和下拉列表）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")

    def handle(self, *args, file: str, **options) -> None:
        write_template(file)
        self.stdout.write(f"已生成模板：{file}")
