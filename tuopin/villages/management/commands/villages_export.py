"""``tuopin villages export FILE.xlsx`` — the whole roster and training in the import layout."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from tuopin.org import privacy
from tuopin.villages.exporter import export_bytes
from tuopin.villages.models import TeamMember


class Command(BaseCommand):
    help = "导出驻村队伍台账（队伍、培训）为导入格式的工作簿"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="输出的 .xlsx 文件")

    def handle(self, *args, file: str, **options) -> None:
        members = TeamMember.objects.all()
        # The operator's shell has the database anyway: the full export re-imports as it is.
        Path(file).write_bytes(export_bytes(None, members, shown=privacy.UNMASKED))
        self.stdout.write(f"已导出 {members.count()} 名队伍成员 → {file}")
