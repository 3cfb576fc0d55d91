from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from tuopin.bulletin.actions import next_number, published_original
from tuopin.bulletin.compose import compose
from tuopin.bulletin.management.commands._campaign import add_campaign_argument, campaign_from
from tuopin.bulletin.weeks import Week, WeekError


class Command(BaseCommand):
    help = "用最新数据生成某周的周通报（不发布）：tuopin bulletin compose --week 2018-W30 --format json"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--week", required=True, help="ISO 周，如 2018-W30")
        parser.add_argument("--format", choices=["json", "text"], default="json")
        add_campaign_argument(parser)

    def handle(self, *args, **options) -> None:
        campaign = campaign_from(options)
        try:
            week = Week.parse(options["week"])
            snapshot = compose(campaign, week)
        except WeekError as error:
            raise CommandError(str(error)) from None
        published = published_original(campaign, week)
        snapshot["number"] = published.number if published else next_number(campaign)
        snapshot["number_provisional"] = published is None
        if options["format"] == "json":
            self.stdout.write(json.dumps(snapshot, ensure_ascii=False, indent=2))
            return
        self.stdout.write(_text(snapshot))


def _text(s: dict) -> str:
    t = s["timeliness"]
    counts = s["headline"]["actions"]
    lines = [
        f"{s['title']}（{'拟' if s['number_provisional'] else ''}第{s['number']}期）",
        s["notice"] or "",
        f"专项行动：已完成{counts['done']} 正常推进{counts['on_track']} 有风险{counts['at_risk']} "
        f"已逾期{counts['overdue']} 未开始{counts['not_started']}",
        f"按时报送（{len(t['on_time'])}）：{'、'.join(t['on_time']) or '无'}",
        "迟报（{}）：{}".format(
            len(t["late"]), "、".join(f"{r['unit']} {r['signed_at']}" for r in t["late"]) or "无"
        ),
        f"未报（{len(t['missing'])}）：{'、'.join(t['missing']) or '无'}",
        "各镇排名：" + "，".join(f"{r['rank']}. {r['name']} {r['score']}" for r in s["towns"]),
    ]
    return "\n".join(line for line in lines if line)
