"""Shared arguments of ``tuopin plan indicators|refresh``: which campaign, as of which day."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from tuopin.lib import clock
from tuopin.plan.models import Campaign


def add_arguments(parser) -> None:
    parser.add_argument("--as-of", dest="as_of", help="日期 YYYY-MM-DD（默认今天）")
    parser.add_argument("--campaign", type=int, help="作战计划编号（默认为进行中的作战计划）")


def as_of(raw: str | None) -> dt.date:
    if not raw:
        return clock.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"日期“{raw}”无效，应为 YYYY-MM-DD，如 2018-07-20") from None


def campaigns(number: int | None) -> list[Campaign]:
    queryset = Campaign.objects.select_related("county")
    if number is not None:
        found = list(queryset.filter(pk=number))
        if not found:
            raise CommandError(f"没有编号为 {number} 的作战计划")
        return found
    found = list(queryset.filter(is_active=True).order_by("county__code"))
    if not found:
        raise CommandError("没有进行中的作战计划，请先导入（tuopin plan load）")
    return found
