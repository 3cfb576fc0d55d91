from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from tuopin.org.backup import BackupError, MediaNotReplaced, describe, restore_backup


class Command(BaseCommand):
    help = (
        "从 tuopin backup 生成的归档恢复数据库和全部上传文件；先校验整个归档，"
        "不符或损坏时拒绝恢复，当前数据不变"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="tuopin backup 生成的备份文件")
        parser.add_argument(
            "--check", action="store_true", help="只校验备份文件能否恢复，不改动任何数据"
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="不询问确认，直接恢复",
        )

    def handle(self, *args, file: str, check: bool, interactive: bool, **options) -> None:
        if not check and interactive:
            answer = input(
                "恢复会用备份替换当前数据库中的全部数据和全部附件，请先停止 tuopin serve 和"
                " tuopin worker。输入 yes 继续："
            )
            if answer.strip().lower() != "yes":
                raise CommandError("已取消，当前数据未改动")
        try:
            manifest = restore_backup(file, connections[DEFAULT_DB_ALIAS], check_only=check)
        except MediaNotReplaced as error:
            raise CommandError(str(error)) from None
        except BackupError as error:
            raise CommandError(f"恢复未执行，当前数据和附件均未改动：{error}") from None
        except OSError as error:
            raise CommandError(
                f"恢复未执行，当前数据和附件均未改动（读写文件出错：{error}）"
            ) from None
        done = "校验通过，可以恢复" if check else "恢复完成"
        self.stdout.write(f"{done}：{file}\n{describe(manifest)}")
