"""``tuopin registry import FILE.xlsx [--dry-run] [--replace-villages]``."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tuopin.registry.actions import apply_import
from tuopin.registry.importer import plan_import
from tuopin.registry.reader import WorkbookRefused, read_workbook

STEPS = (
    "读取工作簿",
    "校验村表",
    "校验户表",
    "校验人表",
    "比对村情",
    "比对农户",
    "比对家庭成员",
    "写入",
)


class Command(BaseCommand):
    help = "导入农户档案工作簿（工作表：村、户、人）；有任何错误则不导入"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="+", help=".xlsx 文件（可多个，逐个导入）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告变更，不写入")
        parser.add_argument(
            "--replace-villages",
            action="store_true",
            help="整村替换：文件涉及的村中，文件里没有的农户和成员将被注销",
        )
        parser.add_argument("--show-changes", type=int, default=20, help="列出的变更明细条数")

    def handle(
        self, *args, file: list[str], dry_run: bool, replace_villages: bool, **options
    ) -> None:
        failed = False
        for name in file:
            failed |= not self._one(Path(name), dry_run, replace_villages, options["show_changes"])
        if failed:
            raise CommandError("有文件未导入（见上方错误）")

    def _one(self, path: Path, dry_run: bool, replace: bool, show: int) -> bool:
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        data = path.read_bytes()
        bar = tqdm(total=len(STEPS), desc=path.name, unit="步", disable=None)

        def step(label: str) -> None:
            bar.set_postfix_str(label)
            bar.update(1)

        try:
            bar.set_postfix_str(STEPS[0])
            sheets = read_workbook(data, path.name)
            step(STEPS[0])
            plan = plan_import(sheets, replace_villages=replace, progress=lambda label: step(label))
        except WorkbookRefused as error:
            bar.close()
            self.stderr.write(f"{path.name}：{error}")
            return False
        if not plan.ok:
            bar.close()
            self.stderr.write(f"{path.name}：发现 {plan.problem_count} 处错误，未导入任何数据：")
            for problem in plan.problems:
                self.stderr.write(f"  {problem}")
            if plan.problem_count > len(plan.problems):
                self.stderr.write(f"  ……（仅列出前 {len(plan.problems)} 处）")
            return False
        for notice in plan.notices:
            self.stdout.write(f"  提示：{notice}")
        if plan.closures:
            self.stdout.write(f"  整村替换将注销 {len(plan.closures)} 户：")
            for closure in plan.closures[:show]:
                self.stdout.write(f"    {closure['household_no']} {closure['head_name']}")
        for line in plan.change_lines[:show]:
            self.stdout.write(f"  {line}")
        if not dry_run and plan.has_changes:
            bar.set_postfix_str("写入")
            apply_import(
                plan,
                source="cli",
                filename=path.name,
                sha256=hashlib.sha256(data).hexdigest(),
            )
        bar.update(bar.total - bar.n)
        bar.close()
        counts = plan.counts
        verb = "校验完成（未写入）" if dry_run else "导入完成"
        self.stdout.write(
            f"{path.name}：{verb}：户 新增 {counts.get('households_added', 0)}，修改 "
            f"{counts.get('households_changed', 0)}，未变 {counts.get('households_unchanged', 0)}"
            + (f"，注销 {counts.get('households_closed', 0)}" if replace else "")
            + f"；成员 新增 {counts.get('persons_added', 0)}，修改 {counts.get('persons_changed', 0)}，"
            f"未变 {counts.get('persons_unchanged', 0)}"
            + (f"，注销 {counts.get('persons_closed', 0)}" if replace else "")
            + f"；村情 修改 {counts.get('villages_changed', 0)}，未变 {counts.get('villages_unchanged', 0)}"
        )
        return True
