from __future__ import annotations

from django.core.management.base import BaseCommand

from tuopin.plan import indicators
from tuopin.plan.management.commands import _campaign


class Command(BaseCommand):
    help = "重新计算作战计划中系统计算的指标：按县、镇、村写入计算值，数值变化时记入进展"

    def add_arguments(self, parser) -> None:
        _campaign.add_arguments(parser)

    def handle(self, *args, **options) -> None:
        on = _campaign.as_of(options["as_of"])
        for campaign in _campaign.campaigns(options["campaign"]):
            done = indicators.refresh(campaign, on=on)
            self.stdout.write(
                f"{campaign.title}：{done['metrics']} 项指标，写入 {done['snapshots']} 个计算值，"
                f"新增 {done['measurements']} 条进展（{on.isoformat()}）"
            )
