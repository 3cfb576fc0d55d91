"""Choosing the campaign for the bulletin commands (the only active one unless named)."""

from __future__ import annotations

from django.core.management.base import CommandError

from tuopin.plan.models import Campaign


def add_campaign_argument(parser) -> None:
    parser.add_argument("--campaign", type=int, help="作战计划编号（只有一个进行中的计划时可省略）")


def campaign_from(options) -> Campaign:
    if options.get("campaign"):
        campaign = Campaign.objects.filter(pk=options["campaign"]).select_related("county").first()
        if campaign is None:
            raise CommandError(f"没有编号为 {options['campaign']} 的作战计划")
        return campaign
    active = list(Campaign.objects.filter(is_active=True).select_related("county")[:2])
    if not active:
        raise CommandError("还没有进行中的作战计划：请先导入作战计划（tuopin plan load）")
    if len(active) > 1:
        raise CommandError("有多个进行中的作战计划，请用 --campaign 指定编号")
    return active[0]
