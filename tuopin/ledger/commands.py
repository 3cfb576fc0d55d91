"""The command-line side of a ledger: ``import FILE… [--dry-run]`` and ``template FILE``.

A ledger's management command subclasses these and names its :class:`LedgerApp`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuopin.ledger.app import LedgerApp
from tuopin.ledger.reader import WorkbookRefused


class ImportCommand(BaseCommand):
    app: LedgerApp

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="+", help=".xlsx 文件（可多个，逐个导入）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告变更，不写入")
        parser.add_argument("--show-changes", type=int, default=20, help="列出的变更明细条数")

    def handle(self, *args, file: list[str], dry_run: bool, show_changes: int, **options) -> None:
        failed = False
        for name in file:
            failed |= not self._one(Path(name), dry_run, show_changes)
        if failed:
            raise CommandError("有文件未导入（见上方错误）")

    def _one(self, path: Path, dry_run: bool, show: int) -> bool:
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        data = path.read_bytes()
        try:
            plan = self.app.check(data, path.name)
        except WorkbookRefused as error:
            self.stderr.write(f"{path.name}：{error}")
            return False
        if not plan.ok:
            self.stderr.write(f"{path.name}：发现 {plan.problem_count} 处错误，未导入任何数据：")
            for problem in plan.problems:
                self.stderr.write(f"  {problem}")
            if plan.problem_count > len(plan.problems):
                self.stderr.write(f"  ……（仅列出前 {len(plan.problems)} 处）")
            return False
        for notice in plan.notices:
            self.stdout.write(f"  提示：{notice}")
        for line in plan.change_lines[:show]:
            self.stdout.write(f"  {line}")
        if not dry_run and plan.has_changes:
            self.app.apply(
                plan, source="cli", filename=path.name, sha256=hashlib.sha256(data).hexdigest()
            )
        verb = "校验完成（未写入）" if dry_run else "导入完成"
        self.stdout.write(f"{path.name}：{verb}：{self.app.describe(plan.counts)}")
        return True


class TemplateCommand(BaseCommand):
    app: LedgerApp

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")

    def handle(self, *args, file: str, **options) -> None:
        self.app.write_template(file)
        self.stdout.write(f"已生成模板：{file}")
