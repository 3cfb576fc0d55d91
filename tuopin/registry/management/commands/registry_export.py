"""``tuopin registry export CODE FILE.xlsx`` — the same layout the import reads."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tuopin.org import privacy
from tuopin.org.models import Level, OrgUnit
from tuopin.registry.exporter import write_registry
from tuopin.registry.models import Household


class Command(BaseCommand):
    help = "导出某区划（县、镇或村代码）的农户档案为导入格式的工作簿（含完整证件号码）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("code", help="区划代码，如 610327")
        parser.add_argument("file", help="输出的 .xlsx 文件")

    def handle(self, *args, code: str, file: str, **options) -> None:
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
