from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tuopin.lib.tables import TableError
from tuopin.org.importer import ImportRefused, import_division_codes


class Command(BaseCommand):
    help = "导入统计用区划代码表（.csv 或 .xlsx，列：代码、名称，可选 是否贫困村、经度、纬度）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")

    def handle(self, *args, file: str, **options) -> None:
        try:
            summary = import_division_codes(file)
        except FileNotFoundError:
            raise CommandError(f"文件不存在：{file}") from None
        except TableError as error:
            raise CommandError(str(error)) from None
        except ImportRefused as refused:
            raise CommandError("导入未执行，发现以下错误：\n" + "\n".join(refused.errors)) from None
        self.stdout.write(
            f"导入完成：新增 {summary.added}，更新 {summary.changed}，未变 {summary.unchanged}"
        )
