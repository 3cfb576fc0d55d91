"""``tuopin projects summary [--as-of DATE] [--format json]``."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from tuopin.lib import clock
from tuopin.projects.summary import summary


class Command(BaseCommand):
    help = "项目与资金概况（按类型的项目进度、按来源的资金、逾期项目和滞留资金）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", help="统计日，如 2018-08-31（默认今天）")
        parser.add_argument("--format", choices=("json", "text"), default="text")

    def handle(self, *args, as_of: str | None, format: str, **options) -> None:
        try:
            on = dt.date.fromisoformat(as_of) if as_of else clock.today()
        except ValueError:
            raise CommandError(f"日期格式不对：{as_of}（应如 2018-08-31）") from None
        if not 1900 <= on.year <= 2100:
            raise CommandError("日期应在 1900 年到 2100 年之间")
        data = summary(on)
        if format == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        funds = data["funds"]
        self.stdout.write(f"截至 {data['as_of']}：项目 {data['projects']} 个")
        for kind, row in data["by_type"].items():
            self.stdout.write(
                f"  {kind}：共 {row['total']}，已开工 {row['started']}，已完工 {row['completed']}，"
                f"已验收 {row['accepted']}，逾期 {row['overdue']}"
            )
        self.stdout.write(
            f"资金：下达 {funds['allocated']} 万元，已拨付 {funds['disbursed']} 万元，"
            f"已报账 {funds['reimbursed']} 万元，拨付率 {funds['disbursement_rate']}%"
        )
        self.stdout.write(
            f"逾期项目 {len(data['overdue'])} 个；资金滞留项目 {len(funds['idle'])} 个"
        )
