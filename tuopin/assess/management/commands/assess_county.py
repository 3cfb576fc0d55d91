"""``tuopin assess county``: the 7 county items and the estimated 三率."""

from __future__ import annotations

from django.core.management.base import CommandError

from tuopin.assess import engine, present
from tuopin.assess.management.commands._assess import AssessCommand


class Command(AssessCommand):
    help = "评估县的 7 项摘帽指标（及错退率、漏评率、综合贫困发生率估计）"

    def handle(self, *args, **options) -> None:
        context = self.context(options)
        if len(context.area_code) != 6:
            raise CommandError(f"--area 应为县级代码（6 位），实际为 {context.area_code}")
        evaluation = engine.evaluate_area(context)
        county = evaluation.area
        if options["format"] == "json":
            self.emit_json(present.county_json(county))
            return
        self.stdout.write(f"{county.name}（{county.code}）：{present.verdict_label(county.passed)}")
        for item in county.items.values():
            self.stdout.write("  " + present.item_line(item))
        for item in county.rates.values():
            self.stdout.write("  " + present.item_line(item))
