from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from tuopin.plan import indicators
from tuopin.plan.management.commands import _campaign
from tuopin.plan.progress import STATUS_LABELS


class Command(BaseCommand):
    help = "列出作战计划的指标：每个专项行动的时间节点（来源、度量指标、目标、填报值、计算值、状态）和目标任务"

    def add_arguments(self, parser) -> None:
        _campaign.add_arguments(parser)
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options) -> None:
        on = _campaign.as_of(options["as_of"])
        for campaign in _campaign.campaigns(options["campaign"]):
            data = indicators.listing(campaign, on)
            if options["format"] == "json":
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
                continue
            self.stdout.write(f"{data['campaign']}（截至 {data['as_of']}）")
            for action in data["actions"]:
                self.stdout.write(f"（{action['number']}）{action['title']}")
                if not action["indicators"]:
                    self.stdout.write("    无时间节点")
                for item in action["indicators"]:
                    self.stdout.write(
                        f"    {item['code']} {item['deadline']} "
                        f"[{indicators.SOURCE_LABELS[item['source']]}] {item['text'][:40]}"
                        f" 目标 {_show(item['target'])} 填报 {_show(item['reported'])}"
                        f" 计算 {_show(item['computed'])} {STATUS_LABELS.get(item['status'], '')}"
                    )
            for goal in data["goals"]:
                self.stdout.write(
                    f"目标：{goal['text']} 目标值 {_show(goal['target'])} 当前 {_show(goal['value'])}"
                )


def _show(value) -> str:
    return "—" if value is None else str(value)
