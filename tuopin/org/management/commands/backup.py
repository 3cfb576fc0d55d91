from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from tuopin.org.backup import BackupError, create_backup, describe


class Command(BaseCommand):
    help = "备份数据库和全部上传文件（附件）到一个归档文件（.tar），附清单和 SHA-256 校验值"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="备份文件路径，如 /backups/tuopin-2018-07-20.tar")

    def handle(self, *args, file: str, **options) -> None:
        try:
            manifest = create_backup(file, connections[DEFAULT_DB_ALIAS])
        except BackupError as error:
            raise CommandError(f"备份未完成：{error}") from None
        except OSError as error:
            raise CommandError(f"备份未完成，读写文件出错：{error}") from None
        self.stdout.write(f"备份完成：{file}\n{describe(manifest)}")
