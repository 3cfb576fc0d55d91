"""``tuopin cases tick``: one escalation pass (for cron; the common worker calls the same job)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tuopin.cases.jobs import escalate_overdue
from tuopin.lib import clock


class Command(BaseCommand):
    help = "对超过办理时限的问题件提级督办（可重复运行，停机后补跑按超期时刻记录）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--now", help="按此时刻运行（ISO 8601，默认当前时间）")

    def handle(self, *args, now: str | None = None, **options) -> None:
        moment = clock.now()
        if now:
            try:
                moment = dt.datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(
                    f"--now 的值“{now}”不是合法时间，例如 2018-07-20T10:00+08:00"
                ) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=clock.SHANGHAI)
        count = escalate_overdue(moment)
        self.stdout.write(f"督办 {count} 件（截至 {clock.local(moment):%Y-%m-%d %H:%M}）")
